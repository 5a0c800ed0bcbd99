//! Fulfillment Outbound `2020-07-01` wire types (names as in the model's `definitions`).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Address, AmazonMoney, Extra, string_enum};

string_enum! {
    /// `FulfillmentOrderStatus`.
    FulfillmentOrderStatus {
        /// Received, not yet validated.
        New = "New",
        /// Received and validated.
        Received = "Received",
        /// Being planned (can still be cancelled).
        Planning = "Planning",
        /// Being picked, packed and shipped (can no longer be cancelled).
        Processing = "Processing",
        /// Cancelled.
        Cancelled = "Cancelled",
        /// Shipped completely.
        Complete = "Complete",
        /// Shipped partially; the rest was unfulfillable.
        CompletePartialled = "CompletePartialled",
        /// Could not be fulfilled.
        Unfulfillable = "Unfulfillable",
        /// Invalid order.
        Invalid = "Invalid",
    }
}

string_enum! {
    /// `ShippingSpeedCategory`.
    ShippingSpeedCategory {
        /// Standard shipping.
        Standard = "Standard",
        /// Expedited shipping.
        Expedited = "Expedited",
        /// Priority shipping.
        Priority = "Priority",
        /// Scheduled delivery (Japan only; needs `fulfillmentAction=Ship`).
        ScheduledDelivery = "ScheduledDelivery",
    }
}

string_enum! {
    /// `FulfillmentAction`.
    FulfillmentAction {
        /// Ship now.
        Ship = "Ship",
        /// Hold until updated to Ship.
        Hold = "Hold",
    }
}

string_enum! {
    /// `FulfillmentPolicy`.
    FulfillmentPolicy {
        /// All or nothing.
        FillOrKill = "FillOrKill",
        /// Ship everything, possibly later.
        FillAll = "FillAll",
        /// Ship what is available.
        FillAllAvailable = "FillAllAvailable",
    }
}

string_enum! {
    /// `FulfillmentShipment.fulfillmentShipmentStatus`.
    FulfillmentShipmentStatus {
        /// Not shipped yet.
        Pending = "PENDING",
        /// Shipped.
        Shipped = "SHIPPED",
        /// Cancelled by the fulfiller.
        CancelledByFulfiller = "CANCELLED_BY_FULFILLER",
        /// Cancelled by the seller.
        CancelledBySeller = "CANCELLED_BY_SELLER",
    }
}

string_enum! {
    /// `CurrentStatus` of a tracked package.
    CurrentStatus {
        /// In transit.
        InTransit = "IN_TRANSIT",
        /// Delivered.
        Delivered = "DELIVERED",
        /// Returning.
        Returning = "RETURNING",
        /// Returned.
        Returned = "RETURNED",
        /// Undeliverable.
        Undeliverable = "UNDELIVERABLE",
        /// Delayed.
        Delayed = "DELAYED",
        /// Available for pickup.
        AvailableForPickup = "AVAILABLE_FOR_PICKUP",
        /// Customer action needed.
        CustomerAction = "CUSTOMER_ACTION",
        /// Unknown to the carrier.
        UnknownStatus = "UNKNOWN",
        /// Out for delivery.
        OutForDelivery = "OUT_FOR_DELIVERY",
        /// Delivery attempted.
        DeliveryAttempted = "DELIVERY_ATTEMPTED",
        /// Pickup successful.
        PickupSuccessful = "PICKUP_SUCCESSFUL",
        /// Pickup cancelled.
        PickupCancelled = "PICKUP_CANCELLED",
        /// Pickup attempted.
        PickupAttempted = "PICKUP_ATTEMPTED",
        /// Pickup scheduled.
        PickupScheduled = "PICKUP_SCHEDULED",
        /// Return request accepted.
        ReturnRequestAccepted = "RETURN_REQUEST_ACCEPTED",
        /// Refund issued.
        RefundIssued = "REFUND_ISSUED",
        /// Return received in a fulfillment center.
        ReturnReceivedInFc = "RETURN_RECEIVED_IN_FC",
    }
}

string_enum! {
    /// `FulfillmentReturnItemStatus`.
    FulfillmentReturnItemStatus {
        /// New.
        New = "New",
        /// Processed.
        Processed = "Processed",
    }
}

string_enum! {
    /// `InvalidItemReasonCode`.
    InvalidItemReasonCode {
        /// Invalid values.
        InvalidValues = "InvalidValues",
        /// Duplicate request.
        DuplicateRequest = "DuplicateRequest",
        /// No completed ship items.
        NoCompletedShipItems = "NoCompletedShipItems",
        /// No returnable quantity.
        NoReturnableQuantity = "NoReturnableQuantity",
    }
}

string_enum! {
    /// `DropOffLocation.type`: where the carrier leaves a package (Japan).
    DropOffLocationType {
        /// Front door.
        FrontDoor = "FRONT_DOOR",
        /// Delivery box.
        DeliveryBox = "DELIVERY_BOX",
        /// Gas meter box.
        GasMeterBox = "GAS_METER_BOX",
        /// Bicycle basket.
        BicycleBasket = "BICYCLE_BASKET",
        /// Garage.
        Garage = "GARAGE",
        /// Receptionist.
        Receptionist = "RECEPTIONIST",
        /// A neighbour, as a fallback.
        FallbackNeighborDelivery = "FALLBACK_NEIGHBOR_DELIVERY",
        /// Never leave the package unattended.
        DoNotLeaveUnattended = "DO_NOT_LEAVE_UNATTENDED",
    }
}

string_enum! {
    /// `FeatureSettings.featureFulfillmentPolicy`.
    FeatureFulfillmentPolicy {
        /// The order must use the feature.
        Required = "Required",
        /// The order must not use the feature.
        NotRequired = "NotRequired",
    }
}

string_enum! {
    /// `Amount.unitOfMeasure`.
    UnitOfMeasure {
        /// An integer count of units.
        Eaches = "Eaches",
    }
}

/// `DeliveryWindow`: both ends required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryWindow {
    /// Start.
    pub start_date: DateTime<Utc>,
    /// End.
    pub end_date: DateTime<Utc>,
}

impl DeliveryWindow {
    /// A window.
    pub fn new(start_date: DateTime<Utc>, end_date: DateTime<Utc>) -> Self {
        Self {
            start_date,
            end_date,
        }
    }
}

/// `DropOffLocation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DropOffLocation {
    /// `FRONT_DOOR`, `DELIVERY_BOX`, ... (an unknown value is read, never sent).
    #[serde(rename = "type")]
    pub kind: DropOffLocationType,
    /// Extra attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

impl DropOffLocation {
    /// A drop-off location of type `kind` without attributes.
    pub fn new(kind: DropOffLocationType) -> Self {
        Self {
            kind,
            attributes: None,
        }
    }
}

/// `DeliveryPreferences` (Japan only).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryPreferences {
    /// At most 250 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_instructions: Option<String>,
    /// Where to leave the package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_off_location: Option<DropOffLocation>,
}

/// `CODSettings`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CodSettings {
    /// Whether cash on delivery is required.
    pub is_cod_required: bool,
    /// COD charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cod_charge: Option<AmazonMoney>,
    /// Tax on the COD charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cod_charge_tax: Option<AmazonMoney>,
    /// Shipping charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_charge: Option<AmazonMoney>,
    /// Tax on the shipping charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_charge_tax: Option<AmazonMoney>,
}

/// `FeatureSettings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FeatureSettings {
    /// `BLOCK_AMZL`, `BLANK_BOX`, `OVERBOX`, `PACKING_SLIP`, `SIGNATURE_CONFIRMATION`, ...
    /// (a plain string in the model: [`Self::BLOCK_AMZL`] and the other constants name the
    /// documented ones, and `getFeatures` lists those of a marketplace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_name: Option<String>,
    /// `Required` or `NotRequired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_fulfillment_policy: Option<FeatureFulfillmentPolicy>,
}

impl FeatureSettings {
    /// Blocks delivery by Amazon Logistics.
    pub const BLOCK_AMZL: &'static str = "BLOCK_AMZL";
    /// Non-Amazon-branded packaging.
    pub const BLANK_BOX: &'static str = "BLANK_BOX";
    /// Shipped in an overbox.
    pub const OVERBOX: &'static str = "OVERBOX";
    /// A packing slip in the box.
    pub const PACKING_SLIP: &'static str = "PACKING_SLIP";
    /// Signature on delivery (US only, extra fees).
    pub const SIGNATURE_CONFIRMATION: &'static str = "SIGNATURE_CONFIRMATION";

    /// A feature constraint: `feature_name` (e.g. [`Self::BLANK_BOX`]) with `policy`.
    pub fn new(feature_name: impl Into<String>, policy: FeatureFulfillmentPolicy) -> Self {
        Self {
            feature_name: Some(feature_name.into()),
            feature_fulfillment_policy: Some(policy),
        }
    }
}

/// `PaymentInformation` (required for India).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentInformation {
    /// Transaction id.
    pub payment_transaction_id: String,
    /// Payment mode.
    pub payment_mode: String,
    /// Payment date.
    pub payment_date: DateTime<Utc>,
}

impl PaymentInformation {
    /// A payment (the India marketplace requires at least one per order).
    pub fn new(
        payment_transaction_id: impl Into<String>,
        payment_mode: impl Into<String>,
        payment_date: DateTime<Utc>,
    ) -> Self {
        Self {
            payment_transaction_id: payment_transaction_id.into(),
            payment_mode: payment_mode.into(),
            payment_date,
        }
    }
}

/// `CreateFulfillmentOrderItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateFulfillmentOrderItem {
    /// Seller SKU (at most 50 characters).
    pub seller_sku: String,
    /// Line id, unique in the order (at most 50 characters).
    pub seller_fulfillment_order_item_id: String,
    /// Units.
    pub quantity: u32,
    /// Gift message (at most 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift_message: Option<String>,
    /// Comment on the packing slip (at most 250).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displayable_comment: Option<String>,
    /// Amazon's fulfillment network SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_network_sku: Option<String>,
    /// Declared value per unit (export, India).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_declared_value: Option<AmazonMoney>,
    /// Price per unit (COD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_price: Option<AmazonMoney>,
    /// Tax per unit (COD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_tax: Option<AmazonMoney>,
}

impl CreateFulfillmentOrderItem {
    /// A line.
    pub fn new(
        seller_sku: impl Into<String>,
        seller_fulfillment_order_item_id: impl Into<String>,
        quantity: u32,
    ) -> Self {
        Self {
            seller_sku: seller_sku.into(),
            seller_fulfillment_order_item_id: seller_fulfillment_order_item_id.into(),
            quantity,
            gift_message: None,
            displayable_comment: None,
            fulfillment_network_sku: None,
            per_unit_declared_value: None,
            per_unit_price: None,
            per_unit_tax: None,
        }
    }
}

/// `CreateFulfillmentOrderRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateFulfillmentOrderRequest {
    /// Marketplace (defaults to the seller's home marketplace on Amazon's side).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    /// Your unique id for the order (at most 40 characters).
    pub seller_fulfillment_order_id: String,
    /// Order id on the packing slip (at most 40).
    pub displayable_order_id: String,
    /// Order date on the packing slip.
    pub displayable_order_date: DateTime<Utc>,
    /// Comment on the packing slip (at most 750).
    pub displayable_order_comment: String,
    /// Shipping speed.
    pub shipping_speed_category: ShippingSpeedCategory,
    /// Delivery window (ScheduledDelivery).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_window: Option<DeliveryWindow>,
    /// Destination.
    pub destination_address: Address,
    /// Delivery preferences (Japan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_preferences: Option<DeliveryPreferences>,
    /// Ship or Hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_action: Option<FulfillmentAction>,
    /// Fill policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_policy: Option<FulfillmentPolicy>,
    /// Cash on delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cod_settings: Option<CodSettings>,
    /// Ship-from country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_from_country_code: Option<String>,
    /// Ship-complete e-mail recipients (each at most 64).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notification_emails: Vec<String>,
    /// Feature constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feature_constraints: Vec<FeatureSettings>,
    /// Lines (1..=100, at most 250 units in total).
    pub items: Vec<CreateFulfillmentOrderItem>,
    /// Payment information (India).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payment_information: Vec<PaymentInformation>,
}

impl CreateFulfillmentOrderRequest {
    /// A request with the required fields; optional ones are public fields.
    pub fn new(
        seller_fulfillment_order_id: impl Into<String>,
        displayable_order_id: impl Into<String>,
        displayable_order_date: DateTime<Utc>,
        displayable_order_comment: impl Into<String>,
        shipping_speed_category: ShippingSpeedCategory,
        destination_address: Address,
        items: Vec<CreateFulfillmentOrderItem>,
    ) -> Self {
        Self {
            marketplace_id: None,
            seller_fulfillment_order_id: seller_fulfillment_order_id.into(),
            displayable_order_id: displayable_order_id.into(),
            displayable_order_date,
            displayable_order_comment: displayable_order_comment.into(),
            shipping_speed_category,
            delivery_window: None,
            destination_address,
            delivery_preferences: None,
            fulfillment_action: None,
            fulfillment_policy: None,
            cod_settings: None,
            ship_from_country_code: None,
            notification_emails: Vec::new(),
            feature_constraints: Vec::new(),
            items,
            payment_information: Vec::new(),
        }
    }
}

/// `GetFulfillmentPreviewItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetFulfillmentPreviewItem {
    /// Seller SKU (at most 50).
    pub seller_sku: String,
    /// Units.
    pub quantity: u32,
    /// Declared value per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_declared_value: Option<AmazonMoney>,
    /// Line id (at most 50).
    pub seller_fulfillment_order_item_id: String,
}

impl GetFulfillmentPreviewItem {
    /// A preview line.
    pub fn new(
        seller_sku: impl Into<String>,
        seller_fulfillment_order_item_id: impl Into<String>,
        quantity: u32,
    ) -> Self {
        Self {
            seller_sku: seller_sku.into(),
            quantity,
            per_unit_declared_value: None,
            seller_fulfillment_order_item_id: seller_fulfillment_order_item_id.into(),
        }
    }
}

/// `GetFulfillmentPreviewRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetFulfillmentPreviewRequest {
    /// Marketplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    /// Destination.
    pub address: Address,
    /// Lines.
    pub items: Vec<GetFulfillmentPreviewItem>,
    /// Speeds to preview (all when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipping_speed_categories: Vec<ShippingSpeedCategory>,
    /// Include COD previews.
    #[serde(
        rename = "includeCODFulfillmentPreview",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub include_cod_fulfillment_preview: Option<bool>,
    /// Include delivery windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_delivery_windows: Option<bool>,
    /// Feature constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feature_constraints: Vec<FeatureSettings>,
}

impl GetFulfillmentPreviewRequest {
    /// A preview request.
    pub fn new(address: Address, items: Vec<GetFulfillmentPreviewItem>) -> Self {
        Self {
            marketplace_id: None,
            address,
            items,
            shipping_speed_categories: Vec::new(),
            include_cod_fulfillment_preview: None,
            include_delivery_windows: None,
            feature_constraints: Vec::new(),
        }
    }
}

/// `Weight`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Weight {
    /// `KG`, `KILOGRAMS`, `LB`, `POUNDS`.
    pub unit: String,
    /// The weight, a decimal string.
    #[serde(with = "super::decimal_string")]
    pub value: Decimal,
}

/// `Fee`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Fee {
    /// `FBAPerUnitFulfillmentFee`, `FBAPerOrderFulfillmentFee`, ...
    pub name: String,
    /// The amount.
    pub amount: AmazonMoney,
}

/// `FulfillmentPreviewItem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentPreviewItem {
    /// Seller SKU.
    pub seller_sku: String,
    /// Units.
    pub quantity: u32,
    /// Line id.
    pub seller_fulfillment_order_item_id: String,
    /// Estimated weight.
    #[serde(default)]
    pub estimated_shipping_weight: Option<Weight>,
    /// `Package` or `Dimensional`.
    #[serde(default)]
    pub shipping_weight_calculation_method: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `FulfillmentPreviewShipment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentPreviewShipment {
    /// Earliest ship date.
    #[serde(default)]
    pub earliest_ship_date: Option<DateTime<Utc>>,
    /// Latest ship date.
    #[serde(default)]
    pub latest_ship_date: Option<DateTime<Utc>>,
    /// Earliest arrival date.
    #[serde(default)]
    pub earliest_arrival_date: Option<DateTime<Utc>>,
    /// Latest arrival date.
    #[serde(default)]
    pub latest_arrival_date: Option<DateTime<Utc>>,
    /// Notes.
    #[serde(default, deserialize_with = "super::null_default")]
    pub shipping_notes: Vec<String>,
    /// Items in this shipment.
    #[serde(default, deserialize_with = "super::null_default")]
    pub fulfillment_preview_items: Vec<FulfillmentPreviewItem>,
}

/// `UnfulfillablePreviewItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UnfulfillablePreviewItem {
    /// Seller SKU.
    pub seller_sku: String,
    /// Units.
    pub quantity: u32,
    /// Line id.
    pub seller_fulfillment_order_item_id: String,
    /// Why.
    #[serde(default, deserialize_with = "super::null_default")]
    pub item_unfulfillable_reasons: Vec<String>,
}

/// `ScheduledDeliveryInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScheduledDeliveryInfo {
    /// IANA time zone.
    pub delivery_time_zone: String,
    /// Windows offered.
    #[serde(default, deserialize_with = "super::null_default")]
    pub delivery_windows: Vec<DeliveryWindow>,
}

/// `FulfillmentPreview`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentPreview {
    /// The speed this preview is for.
    pub shipping_speed_category: ShippingSpeedCategory,
    /// Scheduled delivery details.
    #[serde(default)]
    pub scheduled_delivery_info: Option<ScheduledDeliveryInfo>,
    /// Whether the order can be fulfilled.
    pub is_fulfillable: bool,
    /// Whether COD is possible (missing in Amazon's own example: `false` then).
    #[serde(rename = "isCODCapable", default)]
    pub is_cod_capable: bool,
    /// Estimated weight.
    #[serde(default)]
    pub estimated_shipping_weight: Option<Weight>,
    /// Estimated fees (not for India; may be missing).
    #[serde(default, deserialize_with = "super::null_default")]
    pub estimated_fees: Vec<Fee>,
    /// Planned shipments.
    #[serde(default, deserialize_with = "super::null_default")]
    pub fulfillment_preview_shipments: Vec<FulfillmentPreviewShipment>,
    /// Lines that cannot be fulfilled.
    #[serde(default, deserialize_with = "super::null_default")]
    pub unfulfillable_preview_items: Vec<UnfulfillablePreviewItem>,
    /// Order-level reasons (`DeliverySLAUnavailable`, `InvalidDestinationAddress`, ...).
    #[serde(default, deserialize_with = "super::null_default")]
    pub order_unfulfillable_reasons: Vec<String>,
    /// Marketplace.
    pub marketplace_id: String,
    /// Feature constraints applied.
    #[serde(default, deserialize_with = "super::null_default")]
    pub feature_constraints: Vec<FeatureSettings>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `GetFulfillmentPreviewResult`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetFulfillmentPreviewResult {
    /// One preview per speed.
    #[serde(default, deserialize_with = "super::null_default")]
    pub fulfillment_previews: Vec<FulfillmentPreview>,
}

/// `FulfillmentOrder`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentOrder {
    /// Your id.
    pub seller_fulfillment_order_id: String,
    /// Marketplace (missing in some of Amazon's own examples: empty then).
    #[serde(default)]
    pub marketplace_id: String,
    /// Id on the packing slip.
    pub displayable_order_id: String,
    /// Date on the packing slip.
    pub displayable_order_date: DateTime<Utc>,
    /// Comment on the packing slip.
    pub displayable_order_comment: String,
    /// Speed.
    pub shipping_speed_category: ShippingSpeedCategory,
    /// Delivery window.
    #[serde(default)]
    pub delivery_window: Option<DeliveryWindow>,
    /// Destination.
    pub destination_address: Address,
    /// Ship or Hold.
    #[serde(default)]
    pub fulfillment_action: Option<FulfillmentAction>,
    /// Policy.
    #[serde(default)]
    pub fulfillment_policy: Option<FulfillmentPolicy>,
    /// COD.
    #[serde(default)]
    pub cod_settings: Option<CodSettings>,
    /// When Amazon received it.
    pub received_date: DateTime<Utc>,
    /// Status.
    pub fulfillment_order_status: FulfillmentOrderStatus,
    /// When the status last changed.
    pub status_updated_date: DateTime<Utc>,
    /// E-mail recipients.
    #[serde(default, deserialize_with = "super::null_default")]
    pub notification_emails: Vec<String>,
    /// Feature constraints.
    #[serde(default, deserialize_with = "super::null_default")]
    pub feature_constraints: Vec<FeatureSettings>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `FulfillmentOrderItem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentOrderItem {
    /// Seller SKU.
    pub seller_sku: String,
    /// Line id.
    pub seller_fulfillment_order_item_id: String,
    /// Units ordered.
    pub quantity: u32,
    /// Gift message.
    #[serde(default)]
    pub gift_message: Option<String>,
    /// Comment.
    #[serde(default)]
    pub displayable_comment: Option<String>,
    /// Amazon's network SKU.
    #[serde(default)]
    pub fulfillment_network_sku: Option<String>,
    /// Disposition (`Sellable`, `Unsellable`).
    #[serde(default)]
    pub order_item_disposition: Option<String>,
    /// Units cancelled.
    pub cancelled_quantity: u32,
    /// Units unfulfillable.
    pub unfulfillable_quantity: u32,
    /// Estimated ship date.
    #[serde(default)]
    pub estimated_ship_date: Option<DateTime<Utc>>,
    /// Estimated arrival date.
    #[serde(default)]
    pub estimated_arrival_date: Option<DateTime<Utc>>,
    /// Price per unit.
    #[serde(default)]
    pub per_unit_price: Option<AmazonMoney>,
    /// Tax per unit.
    #[serde(default)]
    pub per_unit_tax: Option<AmazonMoney>,
    /// Declared value per unit.
    #[serde(default)]
    pub per_unit_declared_value: Option<AmazonMoney>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `FulfillmentShipmentItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentShipmentItem {
    /// Seller SKU.
    pub seller_sku: String,
    /// Line id.
    pub seller_fulfillment_order_item_id: String,
    /// Units.
    pub quantity: u32,
    /// Package it is in.
    #[serde(default)]
    pub package_number: Option<i64>,
    /// Serial number.
    #[serde(default)]
    pub serial_number: Option<String>,
    /// Lot codes.
    #[serde(default, deserialize_with = "super::null_default")]
    pub manufacturer_lot_codes: Vec<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `DeliveryDocument`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryDocument {
    /// `DELIVERY_IMAGE`.
    pub document_type: String,
    /// URL (valid for one hour).
    #[serde(default)]
    pub url: Option<String>,
}

/// `DeliveryInformation`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryInformation {
    /// Proof-of-delivery documents.
    #[serde(default, deserialize_with = "super::null_default")]
    pub delivery_document_list: Vec<DeliveryDocument>,
    /// Where it was left.
    #[serde(default)]
    pub drop_off_location: Option<DropOffLocation>,
}

/// `LockerDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LockerDetails {
    /// Locker number.
    #[serde(default)]
    pub locker_number: Option<String>,
    /// Access code.
    #[serde(default)]
    pub locker_access_code: Option<String>,
}

/// `FulfillmentShipmentPackage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentShipmentPackage {
    /// Input to `getPackageTrackingDetails`.
    pub package_number: i64,
    /// Carrier.
    pub carrier_code: String,
    /// Tracking number.
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// Amazon's tracking number.
    #[serde(default)]
    pub amazon_fulfillment_tracking_number: Option<String>,
    /// Estimated arrival.
    #[serde(default)]
    pub estimated_arrival_date: Option<DateTime<Utc>>,
    /// Locker.
    #[serde(default)]
    pub locker_details: Option<LockerDetails>,
    /// Delivery information.
    #[serde(default)]
    pub delivery_information: Option<DeliveryInformation>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `FulfillmentShipment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FulfillmentShipment {
    /// Amazon's shipment id.
    pub amazon_shipment_id: String,
    /// Fulfillment center.
    pub fulfillment_center_id: String,
    /// Status.
    pub fulfillment_shipment_status: FulfillmentShipmentStatus,
    /// Ship date.
    #[serde(default)]
    pub shipping_date: Option<DateTime<Utc>>,
    /// Estimated arrival.
    #[serde(default)]
    pub estimated_arrival_date: Option<DateTime<Utc>>,
    /// Notes.
    #[serde(default, deserialize_with = "super::null_default")]
    pub shipping_notes: Vec<String>,
    /// Items.
    #[serde(default, deserialize_with = "super::null_default")]
    pub fulfillment_shipment_item: Vec<FulfillmentShipmentItem>,
    /// Packages.
    #[serde(default, deserialize_with = "super::null_default")]
    pub fulfillment_shipment_package: Vec<FulfillmentShipmentPackage>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ReturnItem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReturnItem {
    /// Your return item id.
    pub seller_return_item_id: String,
    /// Line id.
    pub seller_fulfillment_order_item_id: String,
    /// Shipment id.
    pub amazon_shipment_id: String,
    /// Your reason code (missing in Amazon's own example: empty then).
    #[serde(default)]
    pub seller_return_reason_code: String,
    /// Comment.
    #[serde(default)]
    pub return_comment: Option<String>,
    /// Amazon's reason code.
    #[serde(default)]
    pub amazon_return_reason_code: Option<String>,
    /// Status.
    pub status: FulfillmentReturnItemStatus,
    /// Status change date.
    pub status_changed_date: DateTime<Utc>,
    /// Authorization id.
    #[serde(default)]
    pub return_authorization_id: Option<String>,
    /// Condition on receipt (`Sellable`, `Defective`, ...).
    #[serde(default)]
    pub return_received_condition: Option<String>,
    /// Fulfillment center.
    #[serde(default)]
    pub fulfillment_center_id: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ReturnAuthorization`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReturnAuthorization {
    /// Id.
    pub return_authorization_id: String,
    /// Fulfillment center.
    pub fulfillment_center_id: String,
    /// Return address.
    pub return_to_address: Address,
    /// RMA id.
    pub amazon_rma_id: String,
    /// RMA page.
    #[serde(rename = "rmaPageURL")]
    pub rma_page_url: String,
}

/// `GetFulfillmentOrderResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetFulfillmentOrderResult {
    /// The order.
    pub fulfillment_order: FulfillmentOrder,
    /// Its lines.
    #[serde(default, deserialize_with = "super::null_default")]
    pub fulfillment_order_items: Vec<FulfillmentOrderItem>,
    /// Its shipments.
    #[serde(default, deserialize_with = "super::null_default")]
    pub fulfillment_shipments: Vec<FulfillmentShipment>,
    /// Returned items.
    #[serde(default, deserialize_with = "super::null_default")]
    pub return_items: Vec<ReturnItem>,
    /// Return authorizations.
    #[serde(default, deserialize_with = "super::null_default")]
    pub return_authorizations: Vec<ReturnAuthorization>,
    /// Payment information.
    #[serde(default, deserialize_with = "super::null_default")]
    pub payment_information: Vec<PaymentInformation>,
}

/// `ListAllFulfillmentOrdersResult`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListAllFulfillmentOrdersResult {
    /// Next page token.
    #[serde(default)]
    pub next_token: Option<String>,
    /// Orders of this page.
    #[serde(default, deserialize_with = "super::null_default")]
    pub fulfillment_orders: Vec<FulfillmentOrder>,
}

/// `UpdateFulfillmentOrderItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdateFulfillmentOrderItem {
    /// Seller SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_sku: Option<String>,
    /// Line id (at most 50).
    pub seller_fulfillment_order_item_id: String,
    /// Units.
    pub quantity: u32,
    /// Gift message (at most 512).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift_message: Option<String>,
    /// Comment (at most 250).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displayable_comment: Option<String>,
    /// Amazon's network SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_network_sku: Option<String>,
    /// Disposition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_item_disposition: Option<String>,
    /// Declared value per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_declared_value: Option<AmazonMoney>,
    /// Price per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_price: Option<AmazonMoney>,
    /// Tax per unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_tax: Option<AmazonMoney>,
}

impl UpdateFulfillmentOrderItem {
    /// A line change.
    pub fn new(seller_fulfillment_order_item_id: impl Into<String>, quantity: u32) -> Self {
        Self {
            seller_sku: None,
            seller_fulfillment_order_item_id: seller_fulfillment_order_item_id.into(),
            quantity,
            gift_message: None,
            displayable_comment: None,
            fulfillment_network_sku: None,
            order_item_disposition: None,
            per_unit_declared_value: None,
            per_unit_price: None,
            per_unit_tax: None,
        }
    }
}

/// `UpdateFulfillmentOrderRequest`: every field optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdateFulfillmentOrderRequest {
    /// Marketplace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marketplace_id: Option<String>,
    /// Id on the packing slip (at most 40).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displayable_order_id: Option<String>,
    /// Date on the packing slip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displayable_order_date: Option<DateTime<Utc>>,
    /// Comment (at most 750).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub displayable_order_comment: Option<String>,
    /// Speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_speed_category: Option<ShippingSpeedCategory>,
    /// Destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_address: Option<Address>,
    /// Ship or Hold (`Ship` releases a held order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_action: Option<FulfillmentAction>,
    /// Policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment_policy: Option<FulfillmentPolicy>,
    /// Ship-from country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_from_country_code: Option<String>,
    /// E-mail recipients.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notification_emails: Vec<String>,
    /// Feature constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feature_constraints: Vec<FeatureSettings>,
    /// Line changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<UpdateFulfillmentOrderItem>,
}

impl UpdateFulfillmentOrderRequest {
    /// An empty update; set the fields to change.
    pub fn new() -> Self {
        Self::default()
    }

    /// Releases a held order for shipping (`fulfillmentAction = Ship`).
    pub fn ship() -> Self {
        Self {
            fulfillment_action: Some(FulfillmentAction::Ship),
            ..Self::default()
        }
    }
}

/// `TrackingAddress` (`city`, `state`, `country`). Amazon's own example sends an `Address`
/// shape instead (`stateOrRegion`, `countryCode`, ...): those spellings are accepted too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TrackingAddress {
    /// City.
    #[serde(default)]
    pub city: String,
    /// State.
    #[serde(default, alias = "stateOrRegion")]
    pub state: String,
    /// Country.
    #[serde(default, alias = "countryCode")]
    pub country: String,
    /// Other fields (e.g. the `Address` fields of the example).
    #[serde(flatten)]
    pub extra: Extra,
}

/// `DateRange`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DateRange {
    /// Earliest.
    pub earliest: DateTime<Utc>,
    /// Latest.
    pub latest: DateTime<Utc>,
}

/// `TrackingEvent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TrackingEvent {
    /// When.
    pub event_date: DateTime<Utc>,
    /// Where.
    pub event_address: TrackingAddress,
    /// `EVENT_101` ... (open set).
    pub event_code: String,
    /// Description.
    pub event_description: String,
}

/// `PackageTrackingDetails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PackageTrackingDetails {
    /// Package number.
    pub package_number: i64,
    /// Tracking number.
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// Customer tracking link.
    #[serde(default)]
    pub customer_tracking_link: Option<String>,
    /// Carrier.
    #[serde(default)]
    pub carrier_code: Option<String>,
    /// Carrier phone.
    #[serde(default)]
    pub carrier_phone_number: Option<String>,
    /// Carrier URL.
    #[serde(default, rename = "carrierURL")]
    pub carrier_url: Option<String>,
    /// Ship date.
    #[serde(default)]
    pub ship_date: Option<DateTime<Utc>>,
    /// Estimated arrival.
    #[serde(default)]
    pub estimated_arrival_date: Option<DateTime<Utc>>,
    /// Ship-to city/state/country.
    #[serde(default)]
    pub ship_to_address: Option<TrackingAddress>,
    /// Current status.
    #[serde(default)]
    pub current_status: Option<CurrentStatus>,
    /// Description of the status.
    #[serde(default)]
    pub current_status_description: Option<String>,
    /// Delivery window.
    #[serde(default)]
    pub delivery_window: Option<DateRange>,
    /// Signed for by.
    #[serde(default)]
    pub signed_for_by: Option<String>,
    /// Where it was left (`FRONT_DOOR`, ...; open set).
    #[serde(default)]
    pub additional_location_info: Option<String>,
    /// Events, most recent first.
    #[serde(default, deserialize_with = "super::null_default")]
    pub tracking_events: Vec<TrackingEvent>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Extra,
}

/// `ReasonCodeDetails`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReasonCodeDetails {
    /// Code.
    pub return_reason_code: String,
    /// Description.
    pub description: String,
    /// Translated description.
    #[serde(default)]
    pub translated_description: Option<String>,
}

/// `ListReturnReasonCodesResult`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListReturnReasonCodesResult {
    /// Codes.
    #[serde(default, deserialize_with = "super::null_default")]
    pub reason_code_details: Vec<ReasonCodeDetails>,
}

/// `CreateReturnItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateReturnItem {
    /// Your return item id (at most 80).
    pub seller_return_item_id: String,
    /// Line id.
    pub seller_fulfillment_order_item_id: String,
    /// Shipment id.
    pub amazon_shipment_id: String,
    /// Reason code (from `listReturnReasonCodes`).
    pub return_reason_code: String,
    /// Comment (at most 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_comment: Option<String>,
}

impl CreateReturnItem {
    /// A return line.
    pub fn new(
        seller_return_item_id: impl Into<String>,
        seller_fulfillment_order_item_id: impl Into<String>,
        amazon_shipment_id: impl Into<String>,
        return_reason_code: impl Into<String>,
    ) -> Self {
        Self {
            seller_return_item_id: seller_return_item_id.into(),
            seller_fulfillment_order_item_id: seller_fulfillment_order_item_id.into(),
            amazon_shipment_id: amazon_shipment_id.into(),
            return_reason_code: return_reason_code.into(),
            return_comment: None,
        }
    }
}

/// `CreateFulfillmentReturnRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateFulfillmentReturnRequest {
    /// Items to return.
    pub items: Vec<CreateReturnItem>,
}

impl CreateFulfillmentReturnRequest {
    /// A return request.
    pub fn new(items: Vec<CreateReturnItem>) -> Self {
        Self { items }
    }
}

/// `InvalidItemReason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvalidItemReason {
    /// Code.
    pub invalid_item_reason_code: InvalidItemReasonCode,
    /// Description.
    pub description: String,
}

/// `InvalidReturnItem`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvalidReturnItem {
    /// Your return item id.
    pub seller_return_item_id: String,
    /// Line id.
    pub seller_fulfillment_order_item_id: String,
    /// Why it was refused.
    pub invalid_item_reason: InvalidItemReason,
}

/// `CreateFulfillmentReturnResult`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateFulfillmentReturnResult {
    /// Accepted items.
    #[serde(default, deserialize_with = "super::null_default")]
    pub return_items: Vec<ReturnItem>,
    /// Refused items.
    #[serde(default, deserialize_with = "super::null_default")]
    pub invalid_return_items: Vec<InvalidReturnItem>,
    /// Authorizations.
    #[serde(default, deserialize_with = "super::null_default")]
    pub return_authorizations: Vec<ReturnAuthorization>,
}

/// `Feature`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Feature {
    /// Name (`BLANK_BOX`, ...).
    pub feature_name: String,
    /// Description.
    pub feature_description: String,
    /// Whether the seller is eligible.
    #[serde(default)]
    pub seller_eligible: Option<bool>,
}

/// `GetFeaturesResult`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetFeaturesResult {
    /// Features.
    #[serde(default, deserialize_with = "super::null_default")]
    pub features: Vec<Feature>,
}

/// `FeatureSku`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FeatureSku {
    /// Seller SKU.
    #[serde(default)]
    pub seller_sku: Option<String>,
    /// Network SKU.
    #[serde(default)]
    pub fn_sku: Option<String>,
    /// ASIN.
    #[serde(default)]
    pub asin: Option<String>,
    /// Units available for the feature.
    #[serde(default)]
    pub sku_count: Option<Decimal>,
    /// Other SKUs sharing the physical inventory.
    #[serde(default, deserialize_with = "super::null_default")]
    pub overlapping_skus: Vec<String>,
}

/// `GetFeatureInventoryResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetFeatureInventoryResult {
    /// Marketplace.
    pub marketplace_id: String,
    /// Feature.
    pub feature_name: String,
    /// Next page token.
    #[serde(default)]
    pub next_token: Option<String>,
    /// SKUs of this page.
    #[serde(default, deserialize_with = "super::null_default")]
    pub feature_skus: Vec<FeatureSku>,
}

/// `GetFeatureSkuResult`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetFeatureSkuResult {
    /// Marketplace.
    pub marketplace_id: String,
    /// Feature.
    pub feature_name: String,
    /// Whether the SKU is eligible.
    pub is_eligible: bool,
    /// Why not (`MERCHANT_NOT_ENROLLED`, `SKU_NOT_ELIGIBLE`, `INVALID_SKU`; open set).
    #[serde(default, deserialize_with = "super::null_default")]
    pub ineligible_reasons: Vec<String>,
    /// Seller SKU.
    #[serde(default)]
    pub seller_sku: Option<String>,
    /// Network SKU.
    #[serde(default)]
    pub fn_sku: Option<String>,
    /// ASIN.
    #[serde(default)]
    pub asin: Option<String>,
    /// Units.
    #[serde(default)]
    pub sku_count: Option<Decimal>,
}

/// `GetDeliveryOffersRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetDeliveryOffersRequest {
    /// The product.
    pub product: GetDeliveryOffersProduct,
    /// Origin and destination.
    pub terms: GetDeliveryOffersTerms,
}

impl GetDeliveryOffersRequest {
    /// Offers for `merchant_sku` shipped from `origin_country` to `destination`.
    pub fn new(
        merchant_sku: impl Into<String>,
        origin_country: impl Into<String>,
        destination: VariablePrecisionAddress,
    ) -> Self {
        Self {
            product: GetDeliveryOffersProduct {
                product_identifier: ProductIdentifier {
                    merchant_sku: merchant_sku.into(),
                },
                amount: None,
            },
            terms: GetDeliveryOffersTerms {
                origin: Origin {
                    country_code: origin_country.into(),
                },
                destination: Destination {
                    delivery_address: Some(destination),
                    ip_address: None,
                },
            },
        }
    }
}

/// `GetDeliveryOffersProduct`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetDeliveryOffersProduct {
    /// The SKU.
    pub product_identifier: ProductIdentifier,
    /// Quantity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
}

/// `ProductIdentifier`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProductIdentifier {
    /// Seller SKU (at most 50).
    pub merchant_sku: String,
}

/// `Amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Amount {
    /// `Eaches`.
    pub unit_of_measure: UnitOfMeasure,
    /// The amount, a decimal string.
    #[serde(with = "super::decimal_string")]
    pub value: Decimal,
}

impl Amount {
    /// `n` eaches.
    pub fn eaches(value: Decimal) -> Self {
        Self {
            unit_of_measure: UnitOfMeasure::Eaches,
            value,
        }
    }
}

/// `GetDeliveryOffersTerms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetDeliveryOffersTerms {
    /// Origin.
    pub origin: Origin,
    /// Destination.
    pub destination: Destination,
}

/// `Origin`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Origin {
    /// Two-letter country code.
    pub country_code: String,
}

/// `Destination`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Destination {
    /// Address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_address: Option<VariablePrecisionAddress>,
    /// Or an IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
}

/// `VariablePrecisionAddress`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VariablePrecisionAddress {
    /// Line 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    /// Line 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// Line 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// District.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district_or_county: Option<String>,
    /// State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_or_region: Option<String>,
    /// Postal code (required).
    pub postal_code: String,
    /// Country (required, two letters).
    pub country_code: String,
}

impl VariablePrecisionAddress {
    /// Postal code and country.
    pub fn new(postal_code: impl Into<String>, country_code: impl Into<String>) -> Self {
        Self {
            postal_code: postal_code.into(),
            country_code: country_code.into(),
            ..Self::default()
        }
    }
}

/// `DeliveryMessage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveryMessage {
    /// Text.
    #[serde(default)]
    pub text: Option<String>,
    /// Locale.
    #[serde(default)]
    pub locale: Option<String>,
}

/// `DeliveryPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveryPolicy {
    /// Message.
    #[serde(default)]
    pub message: Option<DeliveryMessage>,
}

/// `DeliveryOffer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeliveryOffer {
    /// Expiry.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Delivery range.
    #[serde(default)]
    pub date_range: Option<DateRange>,
    /// Policy text.
    #[serde(default)]
    pub policy: Option<DeliveryPolicy>,
}

/// `GetDeliveryOffersResult`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetDeliveryOffersResult {
    /// Offers.
    #[serde(default, deserialize_with = "super::null_default")]
    pub delivery_offers: Vec<DeliveryOffer>,
}

/// `SubmitFulfillmentOrderStatusUpdateRequest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SubmitFulfillmentOrderStatusUpdateRequest {
    /// The status to move the sandbox order to.
    pub fulfillment_order_status: FulfillmentOrderStatus,
}

impl SubmitFulfillmentOrderStatusUpdateRequest {
    /// A status update.
    pub fn new(status: FulfillmentOrderStatus) -> Self {
        Self {
            fulfillment_order_status: status,
        }
    }
}
