//! The typed records of the catalog set. Field names and aliases are our guesses (Mirakl
//! names and common variants); see `docs/platforms/accor-oms.md`.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use connector_core::Decimal;

use super::FileRecord;
use super::row::{FieldError, FieldSpec, FileRow};

/// Declares a record's field list and an index constant per field (its position in the list).
macro_rules! fields {
    ($module:ident { $($index:ident: $kind:ident $name:literal [$($alias:literal),* $(,)?],)* }) => {
        mod $module {
            use super::FieldSpec;
            #[allow(clippy::upper_case_acronyms, non_camel_case_types, dead_code)]
            enum Index { $($index,)* }
            $(pub(super) const $index: usize = Index::$index as usize;)*
            pub(super) const FIELDS: &[FieldSpec] = &[$(FieldSpec::$kind($name, &[$($alias),*]),)*];
        }
    };
}

fields!(company {
    ID: required "company_id" ["mega_code", "megacode", "company_id", "company_code", "hotel_code", "hotel_id", "organization_id", "organisation_id", "customer_id"],
    NAME: optional "name" ["company_name", "hotel_name", "organization_name", "name", "label"],
    COMPANY_GROUP: optional "company_group" ["company_group", "company_group_code", "customer_group", "customer_group_code", "pricing_group", "group"],
    BRAND: optional "brand" ["brand", "hotel_brand", "brand_code"],
    ZIP_CODE: optional "zip_code" ["zip_code", "zip", "postal_code", "postcode", "post_code"],
    CITY: optional "city" ["city", "town"],
    COUNTRY: optional "country" ["country_iso_code", "country_code", "country"],
    SHIPPING_ZONE: optional "shipping_zone" ["shipping_zone_code", "shipping_zone", "zone"],
    USER_STORE: optional "user_store" ["user_store", "store", "locale"],
    VAT_NUMBER: optional "vat_number" ["vat_number", "vat", "vat_id", "tax_id"],
});

/// A company (a hotel) of the companies file. Its id is the **mega code**, the organisation id
/// of `customer.mega_code` in validate-cart and purchase-order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Company {
    /// Mega code (required; `mega_code`, `company_id`, `hotel_code`, ...).
    pub company_id: String,
    /// Name (`company_name`, `hotel_name`, `name`, ...).
    pub name: Option<String>,
    /// Company group, the buyer side of pricing deals (`company_group`, `customer_group`, ...).
    pub company_group: Option<String>,
    /// Hotel brand.
    pub brand: Option<String>,
    /// Postal code.
    pub zip_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country (ISO code as written).
    pub country: Option<String>,
    /// Shipping zone code (`FR-FR`, ...).
    pub shipping_zone: Option<String>,
    /// Store (`fr_fr`, ...), as in `customer.user_store`.
    pub user_store: Option<String>,
    /// VAT number.
    pub vat_number: Option<String>,
    /// Columns not listed above, with a value (header as written → value).
    pub extra: BTreeMap<String, String>,
}

impl FileRecord for Company {
    const KIND: &'static str = "companies";
    const DEFAULT_FILE_NAME: &'static str = "companies.csv";
    const FIELDS: &'static [FieldSpec] = company::FIELDS;

    fn decode(row: &FileRow<'_>) -> Result<Self, FieldError> {
        use company::*;
        Ok(Self {
            company_id: row.required(ID)?.to_string(),
            name: row.string(NAME),
            company_group: row.string(COMPANY_GROUP),
            brand: row.string(BRAND),
            zip_code: row.string(ZIP_CODE),
            city: row.string(CITY),
            country: row.string(COUNTRY),
            shipping_zone: row.string(SHIPPING_ZONE),
            user_store: row.string(USER_STORE),
            vat_number: row.string(VAT_NUMBER),
            extra: row.extra_map(),
        })
    }
}

fields!(address {
    ID: required "address_id" ["address_id", "address_code", "address_ref", "id"],
    COMPANY_ID: optional "company_id" ["mega_code", "megacode", "company_id", "company_code", "hotel_code", "hotel_id", "organization_id", "organisation_id"],
    KIND: optional "kind" ["address_type", "address_kind", "type", "kind", "usage"],
    NAME: optional "name" ["address_name", "name", "label", "company_name", "hotel_name"],
    STREET_1: optional "street_1" ["street_1", "street1", "address_line_1", "address_1", "address1", "line_1", "street", "address"],
    STREET_2: optional "street_2" ["street_2", "street2", "address_line_2", "address_2", "address2", "line_2"],
    ZIP_CODE: optional "zip_code" ["zip_code", "zip", "postal_code", "postcode", "post_code"],
    CITY: optional "city" ["city", "town"],
    STATE: optional "state" ["state", "state_code", "region", "county"],
    COUNTRY: optional "country" ["country_iso_code", "country_code", "country"],
    PHONE: optional "phone" ["phone", "phone_number", "telephone"],
});

/// What an address is used for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AddressKind {
    /// Delivery (`shipping`, `delivery`, `ship_to`, `livraison`, ...).
    Shipping,
    /// Invoicing (`billing`, `invoice`, `bill_to`, `facturation`, ...).
    Billing,
    /// Anything else, as written.
    Other(String),
}

impl AddressKind {
    /// Reads a kind; case, `-` and spaces are ignored.
    pub fn parse(s: &str) -> Self {
        match normalize_word(s).as_str() {
            "shipping" | "shipping_address" | "delivery" | "delivery_address" | "ship_to"
            | "livraison" => Self::Shipping,
            "billing" | "billing_address" | "invoice" | "invoicing" | "invoice_address"
            | "bill_to" | "facturation" => Self::Billing,
            _ => Self::Other(s.to_string()),
        }
    }

    /// `shipping`, `billing`, or the value as written.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Shipping => "shipping",
            Self::Billing => "billing",
            Self::Other(s) => s,
        }
    }
}

fn normalize_word(s: &str) -> String {
    s.trim().to_lowercase().replace(['-', ' '], "_")
}

/// An address of the addresses file: "mostly shipping, and some billing addresses of
/// companies". Its id is what `customer.delivery_address_id` / `billing_address_id` carry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Address {
    /// Address id (required; `address_id`, `address_code`, `id`, ...).
    pub address_id: String,
    /// Mega code of the company it belongs to.
    pub company_id: Option<String>,
    /// Shipping or billing (`address_type`, `type`, ...).
    pub kind: Option<AddressKind>,
    /// Name on the address (`address_name`, `name`, `label`, ...).
    pub name: Option<String>,
    /// First street line (`street_1`, `address_line_1`, `address`, ...).
    pub street_1: Option<String>,
    /// Second street line.
    pub street_2: Option<String>,
    /// Postal code.
    pub zip_code: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or region.
    pub state: Option<String>,
    /// Country (ISO code as written).
    pub country: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Columns not listed above, with a value (header as written → value).
    pub extra: BTreeMap<String, String>,
}

impl FileRecord for Address {
    const KIND: &'static str = "addresses";
    const DEFAULT_FILE_NAME: &'static str = "addresses.csv";
    const FIELDS: &'static [FieldSpec] = address::FIELDS;

    fn decode(row: &FileRow<'_>) -> Result<Self, FieldError> {
        use address::*;
        Ok(Self {
            address_id: row.required(ID)?.to_string(),
            company_id: row.string(COMPANY_ID),
            kind: row.get(KIND).map(AddressKind::parse),
            name: row.string(NAME),
            street_1: row.string(STREET_1),
            street_2: row.string(STREET_2),
            zip_code: row.string(ZIP_CODE),
            city: row.string(CITY),
            state: row.string(STATE),
            country: row.string(COUNTRY),
            phone: row.string(PHONE),
            extra: row.extra_map(),
        })
    }
}

fields!(supplier {
    ID: required "shop_id" ["shop_id", "supplier_id", "seller_id", "shop_code", "supplier_code", "shop", "id"],
    NAME: optional "name" ["shop_name", "supplier_name", "seller_name", "name"],
    SUPPLIER_GROUP: optional "supplier_group" ["supplier_group", "supplier_group_code", "shop_group", "seller_group", "group"],
    STATE: optional "state" ["shop_state", "state", "status"],
    COUNTRY: optional "country" ["country_iso_code", "country_code", "country"],
    EMAIL: optional "email" ["email", "contact_email", "shop_email"],
    PHONE: optional "phone" ["phone", "phone_number", "telephone"],
    CURRENCY: optional "currency" ["currency_iso_code", "currency"],
    MIN_ORDER_AMOUNT: optional "min_order_amount" ["min_order_amount", "minimum_order_amount", "min_order_value", "minimum_order"],
    LEADTIME_TO_SHIP: optional "leadtime_to_ship" ["leadtime_to_ship", "lead_time_to_ship", "lead_time"],
});

/// A supplier (a Mirakl shop) of the suppliers file; `shop_id` is the catalog's and the
/// orders' `shop_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Supplier {
    /// Shop id (required; `shop_id`, `supplier_id`, `seller_id`, ...).
    pub shop_id: String,
    /// Name (`shop_name`, `supplier_name`, `name`, ...).
    pub name: Option<String>,
    /// Supplier group, the seller side of pricing deals.
    pub supplier_group: Option<String>,
    /// State as written (Mirakl: `OPEN`, `CLOSE`, `SUSPENDED`).
    pub state: Option<String>,
    /// Country (ISO code as written).
    pub country: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Currency code as written.
    pub currency: Option<String>,
    /// Minimum order amount, exact.
    pub min_order_amount: Option<Decimal>,
    /// Lead time to ship, in days.
    pub leadtime_to_ship: Option<u32>,
    /// Columns not listed above, with a value (header as written → value).
    pub extra: BTreeMap<String, String>,
}

impl FileRecord for Supplier {
    const KIND: &'static str = "suppliers";
    const DEFAULT_FILE_NAME: &'static str = "suppliers.csv";
    const FIELDS: &'static [FieldSpec] = supplier::FIELDS;

    fn decode(row: &FileRow<'_>) -> Result<Self, FieldError> {
        use supplier::*;
        Ok(Self {
            shop_id: row.required(ID)?.to_string(),
            name: row.string(NAME),
            supplier_group: row.string(SUPPLIER_GROUP),
            state: row.string(STATE),
            country: row.string(COUNTRY),
            email: row.string(EMAIL),
            phone: row.string(PHONE),
            currency: row.string(CURRENCY),
            min_order_amount: row.non_negative(MIN_ORDER_AMOUNT)?,
            leadtime_to_ship: row.whole(LEADTIME_TO_SHIP)?,
            extra: row.extra_map(),
        })
    }
}

fields!(pricing {
    ID: required "deal_id" ["deal_id", "pricing_id", "price_id", "price_list_id", "agreement_id", "contract_id", "id"],
    SUPPLIER_GROUP: optional "supplier_group" ["supplier_group", "supplier_group_code", "shop_group", "seller_group"],
    COMPANY_GROUP: optional "company_group" ["company_group", "company_group_code", "customer_group", "customer_group_code", "price_group"],
    SHOP_ID: optional "shop_id" ["shop_id", "supplier_id", "seller_id"],
    OFFER_ID: optional "offer_id" ["offer_id", "offer"],
    PRODUCT_SKU: optional "product_sku" ["product_sku", "sku", "shop_sku", "product_id"],
    PRICE: optional "price" ["price", "deal_price", "unit_price", "net_price", "discount_price"],
    DISCOUNT_PERCENT: optional "discount_percent" ["discount_percent", "discount_percentage", "discount_rate", "discount"],
    CURRENCY: optional "currency" ["currency_iso_code", "currency"],
    MIN_QUANTITY: optional "min_quantity" ["min_quantity", "minimum_quantity", "from_quantity", "quantity_threshold"],
    VALID_FROM: optional "valid_from" ["valid_from", "start_date", "date_from", "begin_date", "discount_start_date", "available_start_date"],
    VALID_TO: optional "valid_to" ["valid_to", "end_date", "date_to", "discount_end_date", "available_end_date"],
});

/// A deal of the pricing file: a price (or a discount) agreed between a supplier group and a
/// company group, optionally for one offer or SKU, from a quantity, for a period. The price a
/// customer pays is still the one validate-cart returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PricingDeal {
    /// Deal id (required; `deal_id`, `pricing_id`, `price_list_id`, `id`, ...).
    pub deal_id: String,
    /// Supplier group (seller side).
    pub supplier_group: Option<String>,
    /// Company group (buyer side).
    pub company_group: Option<String>,
    /// Supplier, when the deal is for one.
    pub shop_id: Option<String>,
    /// Offer, when the deal is for one.
    pub offer_id: Option<String>,
    /// Product SKU, when the deal is for one.
    pub product_sku: Option<String>,
    /// Unit price, exact.
    pub price: Option<Decimal>,
    /// Discount in percent, exact (`12.5` is 12.5 %).
    pub discount_percent: Option<Decimal>,
    /// Currency code as written.
    pub currency: Option<String>,
    /// From this quantity on.
    pub min_quantity: Option<u32>,
    /// First day of validity (`YYYY-MM-DD` or `DD/MM/YYYY`).
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity; a row ending before it starts is rejected.
    pub valid_to: Option<NaiveDate>,
    /// Columns not listed above, with a value (header as written → value).
    pub extra: BTreeMap<String, String>,
}

impl PricingDeal {
    /// Whether the deal applies on `day` (open ends are unbounded).
    pub fn is_valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }
}

impl FileRecord for PricingDeal {
    const KIND: &'static str = "pricing";
    const DEFAULT_FILE_NAME: &'static str = "pricing.csv";
    const FIELDS: &'static [FieldSpec] = pricing::FIELDS;

    fn decode(row: &FileRow<'_>) -> Result<Self, FieldError> {
        use pricing::*;
        let discount_percent = row.non_negative(DISCOUNT_PERCENT)?;
        if let Some(d) = discount_percent
            && d > Decimal::ONE_HUNDRED
        {
            return Err(FieldError::new(
                DISCOUNT_PERCENT,
                format!("{d} is above 100 percent"),
            ));
        }
        let valid_from = row.date(VALID_FROM)?;
        let valid_to = row.date(VALID_TO)?;
        if let (Some(from), Some(to)) = (valid_from, valid_to)
            && to < from
        {
            return Err(FieldError::new(
                VALID_TO,
                format!("{to} is before the start of the deal ({from})"),
            ));
        }
        Ok(Self {
            deal_id: row.required(ID)?.to_string(),
            supplier_group: row.string(SUPPLIER_GROUP),
            company_group: row.string(COMPANY_GROUP),
            shop_id: row.string(SHOP_ID),
            offer_id: row.string(OFFER_ID),
            product_sku: row.string(PRODUCT_SKU),
            price: row.non_negative(PRICE)?,
            discount_percent,
            currency: row.string(CURRENCY),
            min_quantity: row.whole(MIN_QUANTITY)?,
            valid_from,
            valid_to,
            extra: row.extra_map(),
        })
    }
}

fields!(calendar {
    SHOP_ID: required "shop_id" ["shop_id", "supplier_id", "seller_id", "shop_code", "supplier_code"],
    DELIVERY_DATE: required "delivery_date" ["delivery_date", "delivery_day", "date", "round_date"],
    ROUND_ID: optional "round_id" ["round_id", "round_code", "delivery_round", "round", "calendar_id", "calendar_code"],
    SHIPPING_ZONE: optional "shipping_zone" ["shipping_zone_code", "shipping_zone", "delivery_zone", "zone"],
    POSTAL_CODES: optional "postal_codes" ["postal_codes", "zip_codes", "postcodes", "catchment_area", "postal_code", "zip_code"],
    COMPANY_ID: optional "company_id" ["mega_code", "megacode", "company_id", "company_code", "hotel_code", "hotel_id"],
    CUTOFF_DATE: optional "cutoff_date" ["order_cutoff_date", "cutoff_date", "cut_off_date", "order_deadline", "order_before"],
    CUTOFF_TIME: optional "cutoff_time" ["order_cutoff_time", "cutoff_time", "cut_off_time", "order_deadline_time"],
});

/// One delivery of a supplier's delivery round (the *delivery-round* shipping method): the
/// date to send as `shops[].delivery_date_selected`, and until when to order for it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeliveryCalendarEntry {
    /// Supplier (required; `shop_id`, `supplier_id`, ...).
    pub shop_id: String,
    /// Delivery date (required; `YYYY-MM-DD` or `DD/MM/YYYY`).
    pub delivery_date: NaiveDate,
    /// Round id.
    pub round_id: Option<String>,
    /// Shipping zone code.
    pub shipping_zone: Option<String>,
    /// Postal codes (or their prefixes: the catchment area, e.g. `06, 83, 98`) served; the
    /// value split on `,`, `|` or `;`.
    pub postal_codes: Vec<String>,
    /// Company (mega code), when the round is for one hotel.
    pub company_id: Option<String>,
    /// Last day to order for this delivery; a row whose cut-off is after the delivery date is
    /// rejected.
    pub cutoff_date: Option<NaiveDate>,
    /// Time of day of the cut-off (`HH:MM` or `HH:MM:SS`).
    pub cutoff_time: Option<NaiveTime>,
    /// Columns not listed above, with a value (header as written → value).
    pub extra: BTreeMap<String, String>,
}

impl DeliveryCalendarEntry {
    /// The order cut-off as a date and time: the cut-off date at the cut-off time (midnight
    /// ending the day, i.e. 23:59:59, when there is no time). `None` without a cut-off date.
    pub fn cutoff(&self) -> Option<NaiveDateTime> {
        let end_of_day = NaiveTime::from_hms_opt(23, 59, 59)?;
        let d = self.cutoff_date?;
        Some(d.and_time(self.cutoff_time.unwrap_or(end_of_day)))
    }

    /// Whether this entry serves `postal_code`: an entry without postal codes serves every
    /// code; otherwise one of its codes must be a prefix of `postal_code` (`06` serves `06400`).
    pub fn serves(&self, postal_code: &str) -> bool {
        let code = postal_code.trim();
        self.postal_codes.is_empty()
            || self
                .postal_codes
                .iter()
                .any(|p| code.starts_with(p.as_str()))
    }
}

impl FileRecord for DeliveryCalendarEntry {
    const KIND: &'static str = "delivery_calendars";
    const DEFAULT_FILE_NAME: &'static str = "delivery_calendars.csv";
    const FIELDS: &'static [FieldSpec] = calendar::FIELDS;

    fn decode(row: &FileRow<'_>) -> Result<Self, FieldError> {
        use calendar::*;
        let delivery_date = row
            .date(DELIVERY_DATE)?
            .ok_or_else(|| FieldError::new(DELIVERY_DATE, "is empty"))?;
        let cutoff_date = row.date(CUTOFF_DATE)?;
        if let Some(c) = cutoff_date
            && c > delivery_date
        {
            return Err(FieldError::new(
                CUTOFF_DATE,
                format!("{c} is after the delivery date ({delivery_date})"),
            ));
        }
        Ok(Self {
            shop_id: row.required(SHOP_ID)?.to_string(),
            delivery_date,
            round_id: row.string(ROUND_ID),
            shipping_zone: row.string(SHIPPING_ZONE),
            postal_codes: row.list(POSTAL_CODES),
            company_id: row.string(COMPANY_ID),
            cutoff_date,
            cutoff_time: row.time(CUTOFF_TIME)?,
            extra: row.extra_map(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn address_kinds() {
        for s in [
            "Shipping",
            " delivery ",
            "SHIP-TO",
            "Delivery Address",
            "livraison",
        ] {
            assert_eq!(AddressKind::parse(s), AddressKind::Shipping, "{s}");
        }
        for s in ["billing", "Invoice", "bill to", "FACTURATION", "invoicing"] {
            assert_eq!(AddressKind::parse(s), AddressKind::Billing, "{s}");
        }
        assert_eq!(
            AddressKind::parse("Pick-up"),
            AddressKind::Other("Pick-up".into())
        );
        assert_eq!(AddressKind::Billing.as_str(), "billing");
    }

    #[test]
    fn field_lists_have_unique_names_and_their_constants_match() {
        for fields in [
            Company::FIELDS,
            Address::FIELDS,
            Supplier::FIELDS,
            PricingDeal::FIELDS,
            DeliveryCalendarEntry::FIELDS,
        ] {
            let mut names: Vec<&str> = fields.iter().map(|f| f.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), fields.len());
            assert!(fields.iter().all(|f| !f.aliases.is_empty()));
            assert!(fields[0].required);
        }
        assert_eq!(Company::FIELDS[company::VAT_NUMBER].name, "vat_number");
        assert_eq!(Address::FIELDS[address::PHONE].name, "phone");
        assert_eq!(
            Supplier::FIELDS[supplier::LEADTIME_TO_SHIP].name,
            "leadtime_to_ship"
        );
        assert_eq!(PricingDeal::FIELDS[pricing::VALID_TO].name, "valid_to");
        assert_eq!(
            DeliveryCalendarEntry::FIELDS[calendar::CUTOFF_TIME].name,
            "cutoff_time"
        );
    }

    #[test]
    fn cutoff_without_a_time_is_the_end_of_the_day() {
        let mut e = DeliveryCalendarEntry {
            shop_id: "1".into(),
            delivery_date: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
            round_id: None,
            shipping_zone: None,
            postal_codes: vec![],
            company_id: None,
            cutoff_date: NaiveDate::from_ymd_opt(2026, 12, 1),
            cutoff_time: None,
            extra: BTreeMap::new(),
        };
        assert_eq!(e.cutoff().unwrap().to_string(), "2026-12-01 23:59:59");
        e.cutoff_time = NaiveTime::from_hms_opt(9, 30, 0);
        assert_eq!(e.cutoff().unwrap().to_string(), "2026-12-01 09:30:00");
    }
}
