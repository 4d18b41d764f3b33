//! Output schemas of the MCP tools, generated from the very poem-openapi types the REST API
//! serialises (so a tool result is the REST body, byte for byte), turned from the OpenAPI 3.0
//! dialect into the JSON Schema that MCP clients validate `structuredContent` with.

use std::sync::Arc;

use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use rmcp::model::JsonObject;
use serde_json::{Map, Value, json};

const OPENAPI_REF: &str = "#/components/schemas/";
const JSON_SCHEMA_REF: &str = "#/$defs/";

/// The JSON Schema of `T` (a named poem-openapi object), with every schema it refers to
/// under `$defs`.
pub fn output_schema<T: Type>() -> Arc<JsonObject> {
    let mut registry = Registry::new();
    T::register(&mut registry);
    let MetaSchemaRef::Reference(root) = T::schema_ref() else {
        panic!("tool outputs are named objects");
    };
    let mut defs = Map::new();
    let mut out = Map::new();
    for (name, schema) in &registry.schemas {
        let converted = convert(serde_json::to_value(schema).unwrap_or_default());
        if *name == root {
            if let Value::Object(m) = converted {
                out = m;
            }
        } else {
            defs.insert(name.clone(), converted);
        }
    }
    if !defs.is_empty() {
        out.insert("$defs".into(), Value::Object(defs));
    }
    Arc::new(out)
}

/// Rewrites references, `example`, and makes optional properties nullable: poem-openapi
/// leaves `null` out of the type, but an absent value is sent as `null`.
fn convert(value: Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(convert_object(m)),
        Value::Array(items) => Value::Array(items.into_iter().map(convert).collect()),
        other => other,
    }
}

fn convert_object(m: Map<String, Value>) -> Map<String, Value> {
    let required: Vec<String> = m
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut out = Map::new();
    for (key, value) in m {
        let value = match (key.as_str(), value) {
            ("$ref", Value::String(r)) => Value::String(r.replace(OPENAPI_REF, JSON_SCHEMA_REF)),
            // OpenAPI 3.0's keyword; JSON Schema says it with the type (`nullable` below).
            ("nullable", _) => continue,
            ("example", v) => {
                out.insert("examples".into(), json!([v]));
                continue;
            }
            ("properties", Value::Object(props)) => Value::Object(
                props
                    .into_iter()
                    .map(|(name, p)| {
                        let p = convert(p);
                        let p = if required.contains(&name) {
                            p
                        } else {
                            nullable(p)
                        };
                        (name, p)
                    })
                    .collect(),
            ),
            (_, v) => convert(v),
        };
        out.insert(key, value);
    }
    out
}

/// `schema` or `null`.
fn nullable(schema: Value) -> Value {
    let Value::Object(mut m) = schema else {
        return schema;
    };
    match m.get("type").cloned() {
        Some(Value::String(t)) if !m.contains_key("enum") => {
            m.insert("type".into(), json!([t, "null"]));
            Value::Object(m)
        }
        _ => {
            let description = m.get("description").cloned();
            let mut wrapped = Map::new();
            if let Some(d) = description {
                wrapped.insert("description".into(), d);
            }
            wrapped.insert("anyOf".into(), json!([Value::Object(m), {"type": "null"}]));
            Value::Object(wrapped)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::connections::ConnectionStatusResponse;
    use crate::api::transactions::TransactionList;

    #[test]
    fn optional_fields_are_nullable_and_refs_point_into_defs() {
        let s = output_schema::<TransactionList>();
        assert_eq!(s["type"], "object");
        assert_eq!(
            s["properties"]["data"]["items"]["$ref"],
            "#/$defs/TransactionResponse"
        );
        let tx = &s["$defs"]["TransactionResponse"]["properties"];
        assert_eq!(tx["merchant_name"]["type"], json!(["string", "null"]));
        assert_eq!(tx["amount"]["type"], "number");
        assert!(tx["amount"].get("example").is_none());
        let s = output_schema::<ConnectionStatusResponse>();
        let last = &s["properties"]["last_sync"];
        assert_eq!(last["anyOf"][1]["type"], "null");
        assert!(!serde_json::to_string(&*s).unwrap().contains("components"));
    }
}
