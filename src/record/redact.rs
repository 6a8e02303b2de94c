//! What a recording must never hold: the passwords of the config's URLs. The screen redacts
//! them already; recordings pass every text through here as well, in case one slips through.

use crate::config::{redact_str, Config, SecretUrl};

/// Replaces known secrets, then any `user:password@` in a URL, with `***`.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

/// Shorter secrets would blank out ordinary words on screen.
const MIN_SECRET: usize = 4;

impl Redactor {
    pub fn new(secrets: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = secrets
            .into_iter()
            .filter(|s| s.chars().count() >= MIN_SECRET)
            .collect();
        // The longest first, so a secret that contains another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    /// The passwords in the config's endpoint URLs, as written and percent-decoded.
    pub fn for_config(config: &Config) -> Self {
        let e = &config.endpoints;
        let urls: [&SecretUrl; 4] = [&e.gateway, &e.prometheus, &e.redis, &e.postgres];
        let mut secrets = Vec::new();
        for url in urls {
            let Ok(parsed) = url::Url::parse(url.expose()) else {
                continue;
            };
            if let Some(pw) = parsed.password() {
                secrets.push(pw.to_string());
                if let Ok(decoded) = urlencoding_decode(pw) {
                    secrets.push(decoded);
                }
            }
        }
        Redactor::new(secrets)
    }

    pub fn apply(&self, text: &str) -> String {
        let mut out = redact_str(text);
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "***");
            }
            // As it appears inside a JSON string.
            let escaped = serde_json::to_string(secret).unwrap_or_default();
            let escaped = escaped.trim_matches('"');
            if escaped != secret && out.contains(escaped) {
                out = out.replace(escaped, "***");
            }
        }
        out
    }
}

fn urlencoding_decode(text: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push(hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_and_url_passwords_are_replaced() {
        let r = Redactor::new(["s3cr%40t".to_string(), "s3cr@t".to_string(), "ab".into()]);
        assert_eq!(r.apply("pw=s3cr@t and s3cr%40t"), "pw=*** and ***");
        assert_eq!(
            r.apply("postgres://u:other@h/db"),
            "postgres://u:***@h/db",
            "any URL's password goes, known or not"
        );
        assert_eq!(r.apply("ab stays"), "ab stays");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(urlencoding_decode("a%40b%2x").unwrap(), "a@b%2x");
    }
}
