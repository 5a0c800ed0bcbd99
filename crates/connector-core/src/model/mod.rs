//! The shared models: the language the four platforms are translated into.
//!
//! Platform crates keep their own wire types and convert to and from these (their `convert.rs`),
//! with the mapping documented in `docs/platforms/`. Every struct is `#[non_exhaustive]` with a
//! constructor for the required fields and public optional fields, so new fields never break
//! callers.

mod customer;
mod offer;
mod order;
mod stock;

pub use customer::{Address, AddressKind, Customer, Organization, Person};
pub use offer::{Availability, Offer, PriceRecord, PriceTier, Product};
pub use order::{
    Invoice, Order, OrderDraft, OrderLine, OrderState, OrderStatus, PlacedOrder, Quote, QuoteLine,
    RefusedLine, Shipment, Tracking,
};
pub use stock::Stock;
