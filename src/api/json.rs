//! `JsonBody<T>`: poem-openapi's JSON request payload, with errors that name the field
//! (`field `name` is required`, `field `email` must be a string`) as docs/api.md (Errors) asks.

use std::ops::Deref;

use poem::{FromRequest, Request, RequestBody};
use poem_openapi::error::ParseRequestPayloadError;
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::{ParseFromJSON, Type};
use serde_json::Value;

/// A JSON request body of `T`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T> Deref for JsonBody<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        content_type.parse::<mime::Mime>().is_ok_and(|m| {
            m.type_() == "application"
                && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
        })
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: ParseFromJSON> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        let fail = |reason: String| ParseRequestPayloadError { reason };
        if data.iter().all(u8::is_ascii_whitespace) {
            return Err(fail("the request body is empty; send a JSON object".into()).into());
        }
        let value: Value = serde_json::from_slice(&data)
            .map_err(|e| fail(format!("the body is not valid JSON ({e})")))?;
        if let Some(problem) = explain::<T>(&value) {
            return Err(fail(problem).into());
        }
        T::parse_from_json(Some(value))
            .map(Self)
            .map_err(|e| fail(e.into_message()).into())
    }
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: ParseFromJSON);

/// Names the first field that is missing or has the wrong JSON type, using `T`'s schema.
fn explain<T: Type>(value: &Value) -> Option<String> {
    let mut registry = Registry::new();
    T::register(&mut registry);
    let MetaSchemaRef::Reference(name) = T::schema_ref() else {
        return None;
    };
    let schema = registry.schemas.get(&name)?;
    let Value::Object(obj) = value else {
        return Some("the body must be a JSON object".into());
    };
    for field in &schema.required {
        if obj.get(*field).is_none_or(Value::is_null) {
            return Some(format!("field `{field}` is required"));
        }
    }
    if let Some(unknown) = obj
        .keys()
        .find(|k| !schema.properties.iter().any(|(p, _)| p == k))
    {
        let known: Vec<&str> = schema.properties.iter().map(|(p, _)| *p).collect();
        let unknown: String = unknown.chars().take(64).collect();
        return Some(format!(
            "field `{unknown}` is not accepted here; the fields are: {}",
            known.join(", ")
        ));
    }
    schema.properties.iter().find_map(|(field, prop)| {
        let present = obj.get(*field).filter(|v| !v.is_null())?;
        let expected = resolve(&registry, prop)?;
        if !json_type_matches(expected.ty, present) {
            return Some(format!("field `{field}` must be {}", article(expected.ty)));
        }
        let allowed: Vec<String> = expected
            .enum_items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        (!allowed.is_empty()
            && !present
                .as_str()
                .is_some_and(|v| allowed.iter().any(|a| a == v)))
        .then(|| format!("field `{field}` must be one of: {}", allowed.join(", ")))
    })
}

/// The schema a property refers to: inline, by reference, or a documented reference
/// (poem-openapi wraps those in `allOf: [ref, {description}]`).
fn resolve<'a>(registry: &'a Registry, prop: &'a MetaSchemaRef) -> Option<&'a MetaSchema> {
    match prop {
        MetaSchemaRef::Reference(name) => registry.schemas.get(name),
        MetaSchemaRef::Inline(s) if s.ty.is_empty() => s
            .all_of
            .iter()
            .find(|p| matches!(p, MetaSchemaRef::Reference(_)))
            .map_or(Some(s.as_ref()), |r| resolve(registry, r)),
        MetaSchemaRef::Inline(s) => Some(s),
    }
}

fn json_type_matches(expected: &str, v: &Value) -> bool {
    match expected {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    }
}

fn article(ty: &str) -> String {
    match ty {
        "integer" | "array" | "object" => format!("an {ty}"),
        _ => format!("a {ty}"),
    }
}

/// An optional JSON body: an empty body (with or without a content type) is `None`.
#[derive(Debug)]
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<'a, T: ParseFromJSON> poem_openapi::ApiExtractor<'a> for OptionalJsonBody<T> {
    const TYPES: &'static [poem_openapi::ApiExtractorType] =
        &[poem_openapi::ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<poem_openapi::registry::MetaRequest> {
        Some(poem_openapi::registry::MetaRequest {
            description: None,
            content: vec![poem_openapi::registry::MetaMediaType {
                content_type: <JsonBody<T> as Payload>::CONTENT_TYPE,
                schema: T::schema_ref(),
            }],
            required: false,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: poem_openapi::ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let data = <Vec<u8> as FromRequest>::from_request(request, body).await?;
        if data.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        match request.content_type() {
            Some(ct) if <JsonBody<T> as Payload>::check_content_type(ct) => {}
            Some(ct) => {
                return Err(poem_openapi::error::ContentTypeError::NotSupported {
                    content_type: ct.to_owned(),
                }
                .into());
            }
            None => return Err(poem_openapi::error::ContentTypeError::ExpectContentType.into()),
        }
        let fail = |reason: String| ParseRequestPayloadError { reason };
        let value: Value = serde_json::from_slice(&data)
            .map_err(|e| fail(format!("the body is not valid JSON ({e})")))?;
        if let Some(problem) = explain::<T>(&value) {
            return Err(fail(problem).into());
        }
        T::parse_from_json(Some(value))
            .map(|v| Self(Some(v)))
            .map_err(|e| fail(e.into_message()).into())
    }
}
