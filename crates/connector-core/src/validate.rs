//! Validation helpers: check input before anything is sent, and name the field and the rule.
//!
//! ```
//! use connector_core::validate::{self, field};
//!
//! let err = validate::max_chars(&field("lines", 3, "sku"), "a-very-long-sku", 5).unwrap_err();
//! assert_eq!(err.to_string(), "invalid input: `lines[3].sku` must be at most 5 characters (got 15)");
//! ```

use crate::error::Error;

/// `prefix[index].name`, the path of a field inside a list.
pub fn field(prefix: &str, index: usize, name: &str) -> String {
    format!("{prefix}[{index}].{name}")
}

/// The value must not be empty or blank.
pub fn required(field: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        Err(Error::invalid(field, "is required and must not be blank"))
    } else {
        Ok(())
    }
}

/// An `Option` must be present and not blank.
pub fn required_opt<'a>(field: &str, value: Option<&'a str>) -> Result<&'a str, Error> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(Error::invalid(field, "is required and must not be blank")),
    }
}

/// At most `max` characters (Unicode scalar values).
pub fn max_chars(field: &str, value: &str, max: usize) -> Result<(), Error> {
    let n = value.chars().count();
    if n > max {
        Err(Error::invalid(
            field,
            format!("must be at most {max} characters (got {n})"),
        ))
    } else {
        Ok(())
    }
}

/// A plausible e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn email(field: &str, value: &str) -> Result<(), Error> {
    let ok = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains("..")
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(field, "must be a valid e-mail address"))
    }
}

/// The value must be one of `allowed`.
pub fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("must be one of {} (got `{value}`)", allowed.join(", ")),
        ))
    }
}

/// A number must be strictly positive.
pub fn positive<N: PartialOrd + Default + std::fmt::Display>(
    field: &str,
    value: N,
) -> Result<(), Error> {
    if value > N::default() {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("must be greater than 0 (got {value})"),
        ))
    }
}

/// A list must have between `min` and `max` entries.
pub fn count_between<T>(field: &str, items: &[T], min: usize, max: usize) -> Result<(), Error> {
    let n = items.len();
    if n < min || n > max {
        Err(Error::invalid(
            field,
            format!("must have between {min} and {max} entries (got {n})"),
        ))
    } else {
        Ok(())
    }
}

/// Only the characters accepted by `allowed`.
pub fn chars(
    field: &str,
    value: &str,
    allowed: impl Fn(char) -> bool,
    description: &str,
) -> Result<(), Error> {
    match value.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(Error::invalid(
            field,
            format!("must contain only {description} (found {c:?})"),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_accept_good_and_name_bad_input() {
        assert!(required("customer.firstname", "Ann").is_ok());
        assert_eq!(
            required("customer.firstname", "  ")
                .unwrap_err()
                .to_string(),
            "invalid input: `customer.firstname` is required and must not be blank"
        );
        assert!(email("customer.email", "test@gmail.com").is_ok());
        for bad in ["test", "a@b", "@x.com", "a b@x.com", "a@x..com", "a@@x.com"] {
            assert!(email("customer.email", bad).is_err(), "{bad}");
        }
        assert!(one_of("user_store", "fr_fr", &["fr_fr", "be_fr"]).is_ok());
        assert!(
            one_of("user_store", "xx_xx", &["fr_fr", "be_fr"])
                .unwrap_err()
                .to_string()
                .contains("got `xx_xx`")
        );
        assert!(positive("quantity", 0u32).is_err());
        assert!(positive("quantity", 1u32).is_ok());
        assert!(count_between("items", &[1, 2, 3], 1, 2).is_err());
        assert!(
            chars(
                "id",
                "AB-1",
                |c| c.is_ascii_alphanumeric() || c == '-',
                "letters, digits and -"
            )
            .is_ok()
        );
        assert!(
            chars(
                "id",
                "AB 1",
                |c| c.is_ascii_alphanumeric(),
                "letters and digits"
            )
            .is_err()
        );
        assert_eq!(required_opt("x", Some("v")).unwrap(), "v");
        assert!(required_opt("x", None).is_err());
    }
}
