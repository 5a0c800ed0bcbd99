//! Every ONe endpoint the SDK calls, in one table. Paths come from the seed and the vendor's
//! docs; where the method or the path is our inference, [`Route::inferred`] says why, and the
//! platform guide lists it as an open question.

use connector_http::{Method, encode_segment};

/// One endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Route {
    /// Operation name used in errors, traces and rate limits (`one.stocks.incremental`).
    pub operation: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template; `{name}` placeholders are filled with percent-encoded segments.
    pub path: &'static str,
    /// `None` when method and path are documented; otherwise what was inferred.
    pub inferred: Option<&'static str>,
}

impl Route {
    const fn doc(operation: &'static str, method: Method, path: &'static str) -> Self {
        Self {
            operation,
            method,
            path,
            inferred: None,
        }
    }

    const fn inf(
        operation: &'static str,
        method: Method,
        path: &'static str,
        why: &'static str,
    ) -> Self {
        Self {
            operation,
            method,
            path,
            inferred: Some(why),
        }
    }

    /// The path with `{placeholders}` replaced, in order, by `args` (each percent-encoded as
    /// one segment, so `OF/22/8/2022/01` stays one segment).
    pub fn path_with(&self, args: &[&str]) -> String {
        let mut out = String::with_capacity(self.path.len() + 16);
        let mut rest = self.path;
        let mut args = args.iter();
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .map_or(rest.len(), |e| start + e + 1);
            if let Some(a) = args.next() {
                out.push_str(&encode_segment(a));
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }
}

macro_rules! p {
    ($prefix:literal, $rest:literal) => {
        concat!($prefix, $rest)
    };
}

/// `PUT .../segments/{segmentId}` (method inferred).
pub const SEGMENT_PUT: Route = Route::inf(
    "one.segments.put",
    Method::Put,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/segments/{segmentId}"
    ),
    "method: PUT for an identified resource (docs show the path only)",
);
/// `GET .../segments/{segmentId}`.
pub const SEGMENT_GET: Route = Route::doc(
    "one.segments.get",
    Method::Get,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/segments/{segmentId}"
    ),
);
/// `POST .../warehouses` (method inferred).
pub const WAREHOUSE_POST: Route = Route::inf(
    "one.warehouses.post",
    Method::Post,
    p!("/api/v1/account/integrations/auth-required", "/warehouses"),
    "method: POST to create (docs show the path only)",
);
/// `GET .../warehouses`.
pub const WAREHOUSES_GET: Route = Route::inf(
    "one.warehouses.list",
    Method::Get,
    p!("/api/v1/account/integrations/auth-required", "/warehouses"),
    "method: GET lists (docs show the path only)",
);
/// `POST .../warehouses/{warehouse}/stocks/incremental`.
pub const STOCKS_INCREMENTAL: Route = Route::doc(
    "one.stocks.incremental",
    Method::Post,
    "/api/v1/stock/integrations/auth-required/warehouses/{warehouse}/stocks/incremental",
);
/// `PUT .../warehouses/{warehouse}/stocks` (path inferred).
pub const STOCKS_REPLACE: Route = Route::inf(
    "one.stocks.replace",
    Method::Put,
    "/api/v1/stock/integrations/auth-required/warehouses/{warehouse}/stocks",
    "path: docs say \"PUT - update (replace) all stocks in warehouse\" without the path",
);
/// `POST .../clients` (body: an array of clients; array shape inferred).
pub const CLIENTS_CREATE: Route = Route::inf(
    "one.clients.create",
    Method::Post,
    p!("/api/v1/account/integrations/auth-required", "/clients"),
    "body: a JSON array of clients (the seed asks to split client migrations at 10,000 lines)",
);
/// `GET .../clients?pageNumber&pageSize`.
pub const CLIENTS_LIST: Route = Route::doc(
    "one.clients.list",
    Method::Get,
    p!("/api/v1/account/integrations/auth-required", "/clients"),
);
/// `GET .../clients/{clientId}`.
pub const CLIENT_GET: Route = Route::doc(
    "one.clients.get",
    Method::Get,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/clients/{clientId}"
    ),
);
/// `PUT .../clients/{clientId}`.
pub const CLIENT_PUT: Route = Route::doc(
    "one.clients.update",
    Method::Put,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/clients/{clientId}"
    ),
);
/// `DELETE .../clients/{clientId}`.
pub const CLIENT_DELETE: Route = Route::doc(
    "one.clients.delete",
    Method::Delete,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/clients/{clientId}"
    ),
);
/// `GET .../clients/synchronization?startId&numberOfEvents` (path inferred).
pub const CLIENT_EVENTS: Route = Route::inf(
    "one.clients.events",
    Method::Get,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/clients/synchronization"
    ),
    "path: by analogy with trade-credits/synchronization (docs name \"sync events\")",
);
/// `PUT .../trade-credits/{organizationId}`.
pub const TRADE_CREDIT_PUT: Route = Route::doc(
    "one.trade_credits.put",
    Method::Put,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/trade-credits/{organizationId}"
    ),
);
/// `GET .../trade-credits/{organizationId}`.
pub const TRADE_CREDIT_GET: Route = Route::doc(
    "one.trade_credits.get",
    Method::Get,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/trade-credits/{organizationId}"
    ),
);
/// `DELETE .../trade-credits/{organizationId}`.
pub const TRADE_CREDIT_DELETE: Route = Route::doc(
    "one.trade_credits.delete",
    Method::Delete,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/trade-credits/{organizationId}"
    ),
);
/// `GET .../trade-credits/synchronization?contexts=INTEGRATIONS&startId=`.
pub const TRADE_CREDIT_EVENTS: Route = Route::doc(
    "one.trade_credits.events",
    Method::Get,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/trade-credits/synchronization"
    ),
);
/// `PUT .../client-blockades/{clientId}`.
pub const BLOCKADE_PUT: Route = Route::doc(
    "one.blockades.put",
    Method::Put,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/client-blockades/{clientId}"
    ),
);
/// `GET .../client-blockades/{clientId}`.
pub const BLOCKADE_GET: Route = Route::doc(
    "one.blockades.get",
    Method::Get,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/client-blockades/{clientId}"
    ),
);
/// `DELETE .../client-blockades/{clientId}`.
pub const BLOCKADE_DELETE: Route = Route::doc(
    "one.blockades.delete",
    Method::Delete,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/client-blockades/{clientId}"
    ),
);
/// `PUT .../retail-prices` (B2C).
pub const RETAIL_PRICES: Route = Route::doc(
    "one.prices.retail",
    Method::Put,
    "/api/v1/pricing/integrations/auth-required/retail-prices",
);
/// `PUT .../prices` (B2B catalog prices).
pub const CATALOG_PRICES: Route = Route::doc(
    "one.prices.catalog",
    Method::Put,
    "/api/v1/pricing/integrations/auth-required/prices",
);
/// `GET .../pricing/main-catalog-id`.
pub const MAIN_CATALOG_ID: Route = Route::doc(
    "one.pricing.main_catalog_id",
    Method::Get,
    "/api/v1/pricing/integrations/auth-required/pricing/main-catalog-id",
);
/// `POST .../pricing/discount`.
pub const PRICING_CREATE: Route = Route::doc(
    "one.pricing.create",
    Method::Post,
    "/api/v1/pricing/integrations/auth-required/pricing/discount",
);
/// `GET .../pricing/discount` (inferred).
pub const PRICINGS_LIST: Route = Route::inf(
    "one.pricing.list",
    Method::Get,
    "/api/v1/pricing/integrations/auth-required/pricing/discount",
    "method: GET on the create path lists pricings",
);
/// `DELETE .../pricing/discount/{pricingId}` (inferred).
pub const PRICING_DELETE: Route = Route::inf(
    "one.pricing.delete",
    Method::Delete,
    "/api/v1/pricing/integrations/auth-required/pricing/discount/{pricingId}",
    "path: the docs ask to delete unused price lists but show no endpoint",
);
/// `PUT .../clients-to-pricings`.
pub const PRICING_ASSIGN: Route = Route::doc(
    "one.pricing.assign",
    Method::Put,
    "/api/v1/pricing/integrations/auth-required/clients-to-pricings",
);
/// `GET .../clients-to-pricings` (inferred).
pub const PRICING_ASSIGNMENTS: Route = Route::inf(
    "one.pricing.assignments",
    Method::Get,
    "/api/v1/pricing/integrations/auth-required/clients-to-pricings",
    "method: GET on the assignment path lists current assignments",
);
/// `POST .../product-group`.
pub const PRODUCT_GROUP_CREATE: Route = Route::doc(
    "one.product_groups.create",
    Method::Post,
    "/api/v1/pricing/integrations/auth-required/product-group",
);
/// `PUT .../product-group/{id}/products`.
pub const PRODUCT_GROUP_PRODUCTS: Route = Route::doc(
    "one.product_groups.products",
    Method::Put,
    "/api/v1/pricing/integrations/auth-required/product-group/{id}/products",
);
/// `PUT .../products/tax`.
pub const TAX_RATES: Route = Route::doc(
    "one.products.tax",
    Method::Put,
    "/api/v1/pricing/integrations/auth-required/products/tax",
);
/// `PUT .../invoices` (method inferred).
pub const INVOICE_PUT: Route = Route::inf(
    "one.invoices.put",
    Method::Put,
    "/api/v1/invoices/integrations/auth-required/invoices",
    "method: PUT (upsert by number), as for goods-issued notes",
);
/// `POST .../invoices/file-upload-begin`.
pub const INVOICE_UPLOAD_BEGIN: Route = Route::inf(
    "one.invoices.upload_begin",
    Method::Post,
    "/api/v1/invoices/integrations/auth-required/invoices/file-upload-begin",
    "method and body {number, fileExtension}; answer {uploadId, uploadUrl?}",
);
/// `POST .../invoices/file-upload-complete`.
pub const INVOICE_UPLOAD_COMPLETE: Route = Route::inf(
    "one.invoices.upload_complete",
    Method::Post,
    "/api/v1/invoices/integrations/auth-required/invoices/file-upload-complete",
    "method; the file goes as multipart here when begin gave no uploadUrl",
);
/// `PUT .../invoices/status` (method inferred).
pub const INVOICE_STATUS: Route = Route::inf(
    "one.invoices.status",
    Method::Put,
    "/api/v1/invoices/integrations/auth-required/invoices/status",
    "method and body [{number, status}]",
);
/// `PUT .../goods-issued-notes`.
pub const GIN_PUT: Route = Route::doc(
    "one.gin.put",
    Method::Put,
    "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes",
);
/// `GET .../goods-issued-notes`.
pub const GIN_GET: Route = Route::doc(
    "one.gin.list",
    Method::Get,
    "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes",
);
/// `POST .../goods-issued-notes/file-upload-initialize`.
pub const GIN_UPLOAD_INITIALIZE: Route = Route::doc(
    "one.gin.upload_initialize",
    Method::Post,
    "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes/file-upload-initialize",
);
/// `POST .../goods-issued-notes/file-upload-finalize`.
pub const GIN_UPLOAD_FINALIZE: Route = Route::doc(
    "one.gin.upload_finalize",
    Method::Post,
    "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes/file-upload-finalize",
);
/// `GET .../goods-issued-notes/events` (path inferred).
pub const GIN_EVENTS: Route = Route::inf(
    "one.gin.events",
    Method::Get,
    "/api/v1/goods-issued-notes/integrations/auth-required/goods-issued-notes/events",
    "path: docs mention \"GET events\" without the path; startId/nextId assumed",
);
/// `GET .../synchronization/order?eventTypes&numberOfEvents&startId`.
pub const ORDER_EVENTS: Route = Route::doc(
    "one.orders.events",
    Method::Get,
    "/api/v1/orders/integrations/auth-required/synchronization/order",
);
/// `GET .../order/shipment?shipmentId=` (query inferred).
pub const ORDER_SHIPMENT: Route = Route::inf(
    "one.orders.shipment",
    Method::Get,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/order/shipment"
    ),
    "query parameter `shipmentId` selecting the sales order",
);
/// `PUT .../order/status` (body inferred).
pub const ORDER_STATUS: Route = Route::inf(
    "one.orders.status",
    Method::Put,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/order/status"
    ),
    "body {shipmentId, status}",
);
/// `PUT .../order/shipment/{shipmentId}/payment-status` (path inferred).
pub const ORDER_PAYMENT_STATUS: Route = Route::inf(
    "one.orders.payment_status",
    Method::Put,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/order/shipment/{shipmentId}/payment-status"
    ),
    "path (docs name the operation and `newPaymentStatus`)",
);
/// `PUT .../order/shipment/{shipmentId}/confirmed-delivery-date` (path inferred).
pub const ORDER_DELIVERY_DATE: Route = Route::inf(
    "one.orders.confirmed_delivery_date",
    Method::Put,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/order/shipment/{shipmentId}/confirmed-delivery-date"
    ),
    "path and field `confirmedDeliveryDate` (yyyy-MM-dd is documented)",
);
/// `PUT .../order/shipment/{shipmentId}/shipped-quantities` (path inferred).
pub const ORDER_SHIPPED_QUANTITIES: Route = Route::inf(
    "one.orders.shipped_quantities",
    Method::Put,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/order/shipment/{shipmentId}/shipped-quantities"
    ),
    "path (docs name `quantityChanges[{sku, quantityShipped}]`)",
);
/// `POST .../order/shipment/{shipmentId}/waybills` (path inferred).
pub const ORDER_WAYBILLS: Route = Route::inf(
    "one.orders.waybills",
    Method::Post,
    p!(
        "/api/v1/account/integrations/auth-required",
        "/order/shipment/{shipmentId}/waybills"
    ),
    "path and body {waybills:[{number, carrier, trackingUrl}]}",
);
/// `PUT .../offline-order/shipment`.
pub const OFFLINE_ORDER: Route = Route::doc(
    "one.orders.offline",
    Method::Put,
    "/api/v1/orders/integrations/auth-required/offline-order/shipment",
);

/// Every route, for documentation and audits.
pub const ROUTES: &[Route] = &[
    SEGMENT_PUT,
    SEGMENT_GET,
    WAREHOUSE_POST,
    WAREHOUSES_GET,
    STOCKS_INCREMENTAL,
    STOCKS_REPLACE,
    CLIENTS_CREATE,
    CLIENTS_LIST,
    CLIENT_GET,
    CLIENT_PUT,
    CLIENT_DELETE,
    CLIENT_EVENTS,
    TRADE_CREDIT_PUT,
    TRADE_CREDIT_GET,
    TRADE_CREDIT_DELETE,
    TRADE_CREDIT_EVENTS,
    BLOCKADE_PUT,
    BLOCKADE_GET,
    BLOCKADE_DELETE,
    RETAIL_PRICES,
    CATALOG_PRICES,
    MAIN_CATALOG_ID,
    PRICING_CREATE,
    PRICINGS_LIST,
    PRICING_DELETE,
    PRICING_ASSIGN,
    PRICING_ASSIGNMENTS,
    PRODUCT_GROUP_CREATE,
    PRODUCT_GROUP_PRODUCTS,
    TAX_RATES,
    INVOICE_PUT,
    INVOICE_UPLOAD_BEGIN,
    INVOICE_UPLOAD_COMPLETE,
    INVOICE_STATUS,
    GIN_PUT,
    GIN_GET,
    GIN_UPLOAD_INITIALIZE,
    GIN_UPLOAD_FINALIZE,
    GIN_EVENTS,
    ORDER_EVENTS,
    ORDER_SHIPMENT,
    ORDER_STATUS,
    ORDER_PAYMENT_STATUS,
    ORDER_DELIVERY_DATE,
    ORDER_SHIPPED_QUANTITIES,
    ORDER_WAYBILLS,
    OFFLINE_ORDER,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_with_encoded_segments() {
        assert_eq!(
            ORDER_WAYBILLS.path_with(&["OF/22/8/2022/01"]),
            "/api/v1/account/integrations/auth-required/order/shipment/OF%2F22%2F8%2F2022%2F01/waybills"
        );
        assert_eq!(
            CLIENT_GET.path_with(&["org:ACME 1"]),
            "/api/v1/account/integrations/auth-required/clients/org%3AACME%201"
        );
    }

    #[test]
    fn every_operation_name_is_unique() {
        let mut names: Vec<_> = ROUTES.iter().map(|r| r.operation).collect();
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
