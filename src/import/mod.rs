//! Bank-file imports: parsing (`csv_parse`) is pure; `crate::service::import` stores.

pub mod csv_parse;
pub mod mapping;
