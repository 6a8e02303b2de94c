//! Validation of `POST /events` bodies, kept pure so it is tested without a server.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, PartialEq)]
pub struct NewEvent {
    pub kind: String,
    pub payload: Value,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct BadRequest {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

fn bad(error: impl Into<String>, field: Option<&'static str>) -> BadRequest {
    BadRequest {
        error: error.into(),
        field,
    }
}

pub fn parse(body: &[u8]) -> Result<NewEvent, BadRequest> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad(format!("body is not valid JSON: {e}"), None))?;
    let obj = value
        .as_object()
        .ok_or_else(|| bad("body must be a JSON object", None))?;
    let kind = match obj.get("type") {
        None => return Err(bad("missing field `type`", Some("type"))),
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(bad("`type` must not be empty", Some("type")))
        }
        Some(Value::String(s)) if s.len() > 100 => {
            return Err(bad("`type` is longer than 100 characters", Some("type")))
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(bad("`type` must be a string", Some("type"))),
    };
    let payload = match obj.get("payload") {
        None | Some(Value::Null) => Value::Object(Default::default()),
        Some(p @ Value::Object(_)) => p.clone(),
        Some(_) => return Err(bad("`payload` must be a JSON object", Some("payload"))),
    };
    Ok(NewEvent { kind, payload })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_type_and_payload() {
        let e = parse(br#"{"type":"signup","payload":{"user":"ada"}}"#).unwrap();
        assert_eq!(e.kind, "signup");
        assert_eq!(e.payload["user"], "ada");
    }

    #[test]
    fn payload_defaults_to_empty_object() {
        assert_eq!(
            parse(br#"{"type":"x"}"#).unwrap().payload,
            serde_json::json!({})
        );
    }

    #[test]
    fn names_the_bad_field() {
        for (body, field) in [
            (&br#"{"payload":{}}"#[..], Some("type")),
            (br#"{"type":""}"#, Some("type")),
            (br#"{"type":7}"#, Some("type")),
            (br#"{"type":"x","payload":[1]}"#, Some("payload")),
            (br#"{not json"#, None),
            (br#"[1,2]"#, None),
        ] {
            assert_eq!(parse(body).unwrap_err().field, field, "{:?}", body);
        }
    }
}
