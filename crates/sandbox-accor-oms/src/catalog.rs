//! Generated catalog files (being written).
