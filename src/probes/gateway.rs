//! The gateway: the canary percentage it is applying.

use crate::app::msg::Reading;

pub async fn read(http: &reqwest::Client, gateway: &str) -> Result<Reading, String> {
    let url = format!("{}/gateway/canary", gateway.trim_end_matches('/'));
    let resp = http
        .get(&url)
        .send()
        .await
        .map_err(|e| format!("gateway: {}", describe(e)))?;
    if !resp.status().is_success() {
        return Err(format!("gateway answered {}", resp.status()));
    }
    let body: serde_json::Value = resp
        .json()
        .await
        .map_err(|e| format!("gateway: not JSON: {}", describe(e)))?;
    parse(&body)
}

pub fn parse(body: &serde_json::Value) -> Result<Reading, String> {
    body["canary_percent"]
        .as_u64()
        .filter(|p| *p <= 100)
        .map(|p| Reading::Canary { percent: p as u8 })
        .ok_or_else(|| format!("gateway: no canary_percent from 0 to 100 in {body}"))
}

/// reqwest's errors repeat the URL, which may carry credentials; the source already names it.
/// The innermost cause is added, since "error sending request" alone says nothing.
pub(crate) fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    let mut last = None;
    while let Some(c) = cause {
        last = Some(c.to_string());
        cause = c.source();
    }
    if let Some(last) = last.filter(|l| !text.contains(l.as_str())) {
        text = format!("{text}: {last}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_percentage_is_read_and_checked() {
        assert_eq!(
            parse(&json!({"canary_percent": 25})),
            Ok(Reading::Canary { percent: 25 })
        );
        assert!(parse(&json!({"canary_percent": 250})).is_err());
        assert!(parse(&json!({})).is_err());
    }
}
