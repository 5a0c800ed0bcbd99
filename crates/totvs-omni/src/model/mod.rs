//! Wire types, spelled as the platform spells them (or as the documented defaults spell them
//! where TOTVS has not published the format; see `docs/platforms/totvs-omni.md`).

pub mod load;
pub mod order;

pub use load::{IntegrationType, LoadReceipt};
pub use order::{
    DeliveryRequest, InvoiceRequest, KitRefusal, OmniCustomer, OmniOrder, OmniOrderItem,
    OmniStatus, OrderList, PaymentRequest, RejectItem, RejectRequest, ShipRequest,
};
