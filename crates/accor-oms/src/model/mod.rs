//! Wire types, spelled exactly as the platform spells them.
//!
//! All JSON field names live in this module (and [`wire`] lists the contested ones), so a
//! confirmed answer from Accor about a spelling is a one-line change here.
//!
//! | module | call |
//! | --- | --- |
//! | [`cart`] | `POST /validate-cart` (Mirakl SH02-like response) |
//! | [`order`] | `POST /purchase-order` (seed 001 spelling, Mirakl OR01-like response) |
//! | [`status`] | `GET /status/{order_id}` (Mirakl OR11-like states) |

pub mod cart;
pub mod common;
pub mod order;
pub mod status;

pub use cart::{
    CartError, CartLine, CartOffer, ShippingType, ShopCart, ValidateCartRequest,
    ValidateCartResponse,
};
pub use common::{CustomerBlock, WireOfferId};
pub use order::{
    OfferNotShippable, OrderOffer, OrderShop, PurchaseOrderRequest, PurchaseOrderResponse, SubOrder,
};
pub use status::{LineState, MiraklOrderState, OrderStatusResponse, StatusLine};

/// The field names whose spelling differs between Accor's sources.
///
/// The client sends the spelling of the integration guide (seed 001, "Specific Rules") and
/// accepts both on decode. See `docs/platforms/accor-oms.md`, "Open questions".
pub mod wire {
    /// Offers of a purchase order (guide). The API reference page says [`ITEMS`].
    pub const OFFERS: &str = "offers";
    /// The API reference page's name for the purchase-order lines.
    pub const ITEMS: &str = "items";
    /// Per-shop delivery note (guide). The reference says [`DELIVERY_INSTRUCTION`].
    pub const DELIVERY_INSTRUCTIONS: &str = "delivery_instructions";
    /// The API reference page's spelling of the delivery note.
    pub const DELIVERY_INSTRUCTION: &str = "delivery_instruction";
    /// Delivery-round date, `DD/MM/YYYY` (guide). The reference says [`SHIPPING_DATE_SELECTED`].
    pub const DELIVERY_DATE_SELECTED: &str = "delivery_date_selected";
    /// The API reference page's name of the delivery-round date.
    pub const SHIPPING_DATE_SELECTED: &str = "shipping_date_selected";
}
