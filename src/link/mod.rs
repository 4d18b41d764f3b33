//! Hosted-link sessions (docs/api.md, Hosted-link sessions): the lifecycle state machine, URL and token helpers.
//! The use-cases live in `service::link`; the page in `link_page`.

pub mod lifecycle;
pub mod urls;
