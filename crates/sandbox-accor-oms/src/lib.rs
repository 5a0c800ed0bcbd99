//! Accor OMS simulator (being written).
