//! `Choice<E>`: a query parameter holding one of an enum's values. The spec shows the enum;
//! a value outside it is 400 `INVALID_PARAMETER` with a message listing the allowed ones
//! (poem-openapi's own enum parsing only says "Expect a valid enumeration value").

use std::borrow::Cow;

use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::{ParseError, ParseFromParameter, ParseResult, Type};

use crate::domain::Values;

/// One value of the enum `E`, parsed from a query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice<E>(pub E);

impl<E: Type> Type for Choice<E> {
    const IS_REQUIRED: bool = true;
    type RawValueType = E::RawValueType;
    type RawElementValueType = E::RawElementValueType;

    fn name() -> Cow<'static, str> {
        E::name()
    }

    fn schema_ref() -> MetaSchemaRef {
        E::schema_ref()
    }

    fn register(registry: &mut Registry) {
        E::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_raw_value()
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        self.0.raw_element_iter()
    }
}

impl<E: Type + ParseFromParameter + Values> ParseFromParameter for Choice<E> {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        E::parse_from_parameter(value).map(Choice).map_err(|_| {
            let given: String = value.chars().take(64).collect();
            ParseError::custom(format!(
                "`{given}` is not allowed; expected one of: {}",
                E::NAMES.join(", ")
            ))
        })
    }
}
