use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{AddressId, CustomerId, OrganizationId};

/// A buyer or B2B client: a person, an organisation, or a person acting for an organisation.
///
/// * Accor: the person is the ordering user (`email`, names, `profession`), the organisation
///   is the hotel company (`mega_code`), addresses are referenced by id, and `store` holds the
///   `user_store` (`fr_fr`, ...).
/// * ONe: `id` is the `org:`/`ind:` client id (see [`crate::ClientRef`]).
/// * Amazon MCF: only the destination address is used.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// The platform's or ERP's id for this customer.
    pub id: Option<CustomerId>,
    /// The natural person, if any.
    pub person: Option<Person>,
    /// The organisation, if any.
    pub organization: Option<Organization>,
    /// Known addresses (delivery, billing...).
    pub addresses: Vec<Address>,
    /// A market/locale code such as Accor's `user_store` (`be_fr`).
    pub store: Option<String>,
    /// Platform fields with no shared home, kept verbatim.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Customer {
    /// An empty customer; fill the public fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first address of `kind`, if any.
    pub fn address(&self, kind: AddressKind) -> Option<&Address> {
        self.addresses.iter().find(|a| a.kind == kind)
    }
}

/// A natural person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Person {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail address (Accor's unique user key per country).
    pub email: Option<String>,
    /// Phone number as given.
    pub phone: Option<String>,
    /// Job or profession (Accor `profession`).
    pub profession: Option<String>,
}

impl Person {
    /// A person with a first and last name.
    pub fn new(first_name: impl Into<String>, last_name: impl Into<String>) -> Self {
        Self {
            first_name: first_name.into(),
            last_name: last_name.into(),
            ..Self::default()
        }
    }
}

/// A company or other legal entity.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Organization {
    /// The platform's id (Accor `mega_code`, ONe organisation id).
    pub id: Option<OrganizationId>,
    /// Legal or trading name.
    pub name: String,
    /// Tax id (NIP/TIN, CNPJ, VAT number).
    pub tax_id: Option<String>,
    /// Business registration number (ONe `businessRegistrationNumber`, REGON).
    pub registration_number: Option<String>,
}

impl Organization {
    /// An organisation with a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

/// What an address is used for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AddressKind {
    /// Where goods go.
    #[default]
    Delivery,
    /// Where invoices go.
    Billing,
    /// Registered office.
    Legal,
    /// A platform-specific kind.
    Other(String),
}

/// A postal address, or a reference to one the platform already holds (`id`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// The platform's address id (Accor `delivery_address_id`), when the platform stores it.
    pub id: Option<AddressId>,
    /// What the address is for.
    pub kind: AddressKind,
    /// Recipient or company name.
    pub name: Option<String>,
    /// Street lines (1 to 3).
    pub lines: Vec<String>,
    /// City.
    pub city: Option<String>,
    /// State, province or region code.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    pub country: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
}

impl Address {
    /// A reference to an address the platform holds under `id`.
    pub fn by_id(id: AddressId, kind: AddressKind) -> Self {
        Self {
            id: Some(id),
            kind,
            ..Self::default()
        }
    }

    /// A full postal address.
    pub fn postal(
        kind: AddressKind,
        name: impl Into<String>,
        line1: impl Into<String>,
        city: impl Into<String>,
        postal_code: impl Into<String>,
        country: impl Into<String>,
    ) -> Self {
        Self {
            id: None,
            kind,
            name: Some(name.into()),
            lines: vec![line1.into()],
            city: Some(city.into()),
            region: None,
            postal_code: Some(postal_code.into()),
            country: Some(country.into()),
            phone: None,
        }
    }
}
