//! Stage III orders: the order event feed, sales orders (shipments) with their lines and
//! prices, shipment updates ERP -> ONe, offline orders.

use chrono::NaiveDate;
use connector_core::{Error, validate};
use serde::Serialize;

use crate::client::OneClient;
use crate::model::{
    EventPage, OfflineOrder, OrderEvent, OrderEventType, PaymentStatus, QuantityChange, SalesOrder,
    ShipmentStatus, Waybill,
};
use crate::routes;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody<'a> {
    shipment_id: &'a str,
    status: &'a ShipmentStatus,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PaymentBody<'a> {
    new_payment_status: &'a PaymentStatus,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DeliveryDateBody {
    confirmed_delivery_date: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QuantitiesBody<'a> {
    quantity_changes: &'a [QuantityChange],
}

#[derive(Serialize)]
struct WaybillsBody<'a> {
    waybills: &'a [Waybill],
}

impl OneClient {
    /// One page of the order event feed after `start_id` (start the feed at 1, then pass
    /// `nextId`). `types` filters the events (empty: all).
    pub async fn order_events(
        &self,
        start_id: i64,
        types: &[OrderEventType],
    ) -> Result<EventPage<OrderEvent>, Error> {
        let joined: Vec<&str> = types.iter().map(OrderEventType::as_str).collect();
        let req = self
            .request(&routes::ORDER_EVENTS, &[])
            .query("eventTypes", joined.join(","))
            .query("numberOfEvents", self.config.events_per_page.to_string())
            .query("startId", start_id.to_string());
        self.call(req).await
    }

    /// Reads a sales order (one shipment of an order) with its product lines and prices.
    pub async fn sales_order(&self, shipment_id: &str) -> Result<SalesOrder, Error> {
        validate::required("shipmentId", shipment_id)?;
        let req = self
            .request(&routes::ORDER_SHIPMENT, &[])
            .query("shipmentId", shipment_id);
        self.call(req).await
    }

    /// Sets a shipment's fulfilment status.
    pub async fn set_shipment_status(
        &self,
        shipment_id: &str,
        status: &ShipmentStatus,
    ) -> Result<(), Error> {
        validate::required("shipmentId", shipment_id)?;
        let req = self.request(&routes::ORDER_STATUS, &[]);
        let body = StatusBody {
            shipment_id,
            status,
        };
        self.call_empty(Self::with_json(req, "status", &body)?)
            .await
            .map(|_| ())
    }

    /// Sets a shipment's payment status (PENDING, PAID, FAILED, CANCELLED, TIMEOUT).
    pub async fn set_payment_status(
        &self,
        shipment_id: &str,
        status: &PaymentStatus,
    ) -> Result<(), Error> {
        validate::required("shipmentId", shipment_id)?;
        status.check_known("newPaymentStatus")?;
        let req = self.request(&routes::ORDER_PAYMENT_STATUS, &[shipment_id]);
        let body = PaymentBody {
            new_payment_status: status,
        };
        self.call_empty(Self::with_json(req, "paymentStatus", &body)?)
            .await
            .map(|_| ())
    }

    /// Confirms the delivery date (sent as `yyyy-MM-dd`).
    pub async fn confirm_delivery_date(
        &self,
        shipment_id: &str,
        date: NaiveDate,
    ) -> Result<(), Error> {
        validate::required("shipmentId", shipment_id)?;
        let req = self.request(&routes::ORDER_DELIVERY_DATE, &[shipment_id]);
        let body = DeliveryDateBody {
            confirmed_delivery_date: date.format("%Y-%m-%d").to_string(),
        };
        self.call_empty(Self::with_json(req, "confirmedDeliveryDate", &body)?)
            .await
            .map(|_| ())
    }

    /// Reports shipped quantities, in content units (ONe drops the decimal part after
    /// converting to order units).
    pub async fn set_shipped_quantities(
        &self,
        shipment_id: &str,
        changes: &[QuantityChange],
    ) -> Result<(), Error> {
        validate::required("shipmentId", shipment_id)?;
        validate::count_between("quantityChanges", changes, 1, usize::MAX)?;
        self.check_lines("quantityChanges", changes.len())?;
        for (i, c) in changes.iter().enumerate() {
            validate::required(&format!("quantityChanges[{i}].sku"), &c.sku)?;
            if c.quantity_shipped.is_sign_negative() && !c.quantity_shipped.is_zero() {
                return Err(Error::invalid(
                    format!("quantityChanges[{i}].quantityShipped"),
                    "must not be negative",
                ));
            }
        }
        let req = self.request(&routes::ORDER_SHIPPED_QUANTITIES, &[shipment_id]);
        let body = QuantitiesBody {
            quantity_changes: changes,
        };
        self.call_empty(Self::with_json(req, "quantityChanges", &body)?)
            .await
            .map(|_| ())
    }

    /// Adds waybills (tracking numbers) to a shipment. Not retried on a lost answer (it
    /// could add them twice): read the shipment back first.
    pub async fn add_waybills(&self, shipment_id: &str, waybills: &[Waybill]) -> Result<(), Error> {
        validate::required("shipmentId", shipment_id)?;
        validate::count_between("waybills", waybills, 1, usize::MAX)?;
        for (i, w) in waybills.iter().enumerate() {
            validate::required(&format!("waybills[{i}].number"), &w.number)?;
        }
        let hint = format!(
            "read shipment `{shipment_id}` and check its waybills before adding them again"
        );
        let req = self.request(&routes::ORDER_WAYBILLS, &[shipment_id]);
        let req = Self::with_json(req, "waybills", &WaybillsBody { waybills })?;
        self.call_once(req, hint).await.map(|_| ())
    }

    /// Sends an offline order (display only on ONe; the same `id` replaces it).
    pub async fn put_offline_order(&self, order: &OfflineOrder) -> Result<(), Error> {
        validate::required("offlineOrder.id", &order.id)?;
        validate::required("offlineOrder.orderId", &order.order_id)?;
        let org = order
            .organization
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        validate::required("offlineOrder.organization.id", org)?;
        let pm = order
            .payment_method
            .get("name")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        validate::required("offlineOrder.paymentMethod.name", pm)?;
        let req = self.request(&routes::OFFLINE_ORDER, &[]);
        self.call_empty(Self::with_json(req, "offlineOrder", order)?)
            .await
            .map(|_| ())
    }
}
