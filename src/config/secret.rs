//! URLs whose passwords never print.

use std::fmt;

/// A URL that may carry a password. Only `expose()` gives the real text.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(url::Url);

impl SecretUrl {
    pub fn parse(text: &str, schemes: &[&str]) -> std::result::Result<Self, String> {
        let url = url::Url::parse(text).map_err(|e| {
            format!(
                "expected a URL ({}://…), got {}: {e}",
                schemes.join("|"),
                redact_str(text)
            )
        })?;
        if !schemes.contains(&url.scheme()) {
            return Err(format!(
                "expected a {} URL, got scheme `{}`",
                schemes.join(" or "),
                url.scheme()
            ));
        }
        Ok(SecretUrl(url))
    }

    /// The URL with its password, for the one place that connects with it.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    pub fn redacted(&self) -> String {
        let mut url = self.0.clone();
        if url.password().is_some() {
            let _ = url.set_password(Some("***"));
        }
        url.to_string()
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({})", self.redacted())
    }
}

/// Redacts `user:password@` in any text that may hold a URL (error messages from drivers).
pub fn redact_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(scheme_end) = rest.find("://") {
        let (head, tail) = rest.split_at(scheme_end + 3);
        out.push_str(head);
        let auth_end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        match tail[..auth_end].rfind('@') {
            Some(at) => {
                let userinfo = &tail[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&tail[at..auth_end]);
            }
            None => out.push_str(&tail[..auth_end]),
        }
        rest = &tail[auth_end..];
    }
    out.push_str(rest);
    out
}
