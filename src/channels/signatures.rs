//! Webhook signatures of the messaging providers, checked in constant time.
//!
//! Twilio (`X-Twilio-Signature`): base64 HMAC-SHA1, keyed with the account's auth token,
//! over the full URL Twilio requested followed by each POST parameter's name and value,
//! names sorted (and a name's values sorted). The URL is the one Twilio was given, so it
//! is rebuilt from `public_url`; like Twilio's own libraries, the default-port variants
//! (with `:443`/`:80`, or without an explicit port) are accepted too.
//!
//! Svix, which signs Resend's webhooks (`svix-id`, `svix-timestamp`, `svix-signature`):
//! base64 HMAC-SHA256, keyed with the base64-decoded `whsec_` secret, over
//! `{id}.{timestamp}.{body}`; the header lists `v1,<signature>` entries, any of which may
//! match; the timestamp must be within five minutes of now.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};

type HmacSha1 = Hmac<sha1::Sha1>;
type HmacSha256 = Hmac<sha2::Sha256>;

/// How far a Svix timestamp may be from now.
pub const SVIX_TOLERANCE_SECS: i64 = 5 * 60;

/// What Twilio signs: the URL, then every parameter name with its values, in order.
fn twilio_payload(url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted.sort_unstable();
    sorted.dedup();
    let mut payload = url.to_string();
    for (k, v) in sorted {
        payload.push_str(k);
        payload.push_str(v);
    }
    payload
}

/// The signature Twilio sends for a request (what a fake provider signs with).
pub fn twilio_sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    // HMAC accepts keys of any length: this never fails.
    let Ok(mut mac) = HmacSha1::new_from_slice(auth_token.as_bytes()) else {
        return String::new();
    };
    mac.update(twilio_payload(url, params).as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// `url` with and without its scheme's default port, as Twilio's libraries accept it;
/// a quote in the query is percent-encoded as a WHATWG URL parser does.
fn twilio_url_variants(url: &str) -> Vec<String> {
    let url = match url.split_once('?') {
        Some((base, query)) => format!("{base}?{}", query.replace('\'', "%27")),
        None => url.to_string(),
    };
    let mut out = vec![url.clone()];
    let Some((scheme, rest)) = url.split_once("://") else {
        return out;
    };
    let default_port = match scheme {
        "https" => "443",
        "http" => "80",
        _ => return out,
    };
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((user, host)) => (format!("{user}@"), host),
        None => (String::new(), authority),
    };
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => {
            // Explicit port: also try without it.
            out.push(format!("{scheme}://{userinfo}{host}{tail}"));
            return out;
        }
        _ => host_port,
    };
    out.push(format!("{scheme}://{userinfo}{host}:{default_port}{tail}"));
    out
}

/// Whether `signature` is Twilio's for this request, in constant time per variant.
pub fn twilio_verify(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    signature: &str,
) -> bool {
    let Ok(given) = B64.decode(signature.trim()) else {
        return false;
    };
    twilio_url_variants(url).iter().any(|candidate| {
        let Ok(mut mac) = HmacSha1::new_from_slice(auth_token.as_bytes()) else {
            return false;
        };
        mac.update(twilio_payload(candidate, params).as_bytes());
        mac.verify_slice(&given).is_ok()
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvixError {
    #[error("the webhook secret is not a whsec_ base64 secret")]
    Secret,
    #[error("missing or unreadable svix-id, svix-timestamp or svix-signature header")]
    Headers,
    #[error("the timestamp is more than five minutes away from now")]
    Expired,
    #[error("no signature matches")]
    Mismatch,
}

fn svix_key(secret: &str) -> Result<Vec<u8>, SvixError> {
    let encoded = secret
        .trim()
        .strip_prefix("whsec_")
        .unwrap_or(secret.trim());
    B64.decode(encoded).map_err(|_| SvixError::Secret)
}

fn svix_mac(key: &[u8], id: &str, timestamp: &str, body: &[u8]) -> Result<HmacSha256, SvixError> {
    let mut mac = HmacSha256::new_from_slice(key).map_err(|_| SvixError::Secret)?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// The `svix-signature` value for a delivery (what a fake provider signs with).
pub fn svix_sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, SvixError> {
    let key = svix_key(secret)?;
    let mac = svix_mac(&key, id, &timestamp.to_string(), body)?;
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// Checks a Svix-signed delivery received at `now` (unix seconds).
pub fn svix_verify(
    secret: &str,
    id: &str,
    timestamp: &str,
    body: &[u8],
    signatures: &str,
    now: i64,
) -> Result<(), SvixError> {
    let key = svix_key(secret)?;
    if id.is_empty() {
        return Err(SvixError::Headers);
    }
    let at: i64 = timestamp.trim().parse().map_err(|_| SvixError::Headers)?;
    if at < 0 || (now - at).abs() > SVIX_TOLERANCE_SECS {
        return Err(SvixError::Expired);
    }
    let mac = svix_mac(&key, id, timestamp.trim(), body)?;
    let matches = signatures.split_whitespace().any(|entry| {
        entry
            .strip_prefix("v1,")
            .and_then(|sig| B64.decode(sig).ok())
            .is_some_and(|sig| mac.clone().verify_slice(&sig).is_ok())
    });
    if matches {
        Ok(())
    } else {
        Err(SvixError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Parameters of a vector: a map (values may be lists) or a list of pairs.
    fn params(v: &Value, defaults: &Value) -> Vec<(String, String)> {
        let source = match &v["params"] {
            Value::String(name) if name == "default_params" => defaults,
            other => other,
        };
        let mut out = Vec::new();
        if let Some(pairs) = v["params_multi"].as_array() {
            for p in pairs {
                out.push((p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()));
            }
        }
        for (k, value) in source.as_object().into_iter().flatten() {
            match value {
                Value::Array(items) => out.extend(
                    items
                        .iter()
                        .map(|i| (k.clone(), i.as_str().unwrap().to_string())),
                ),
                other => out.push((k.clone(), other.as_str().unwrap().to_string())),
            }
        }
        out
    }

    #[test]
    fn twilio_published_vectors() {
        let mut checked = 0;
        for file in [
            "twilio_python__request_validator_vectors.json",
            "twilio_node__validation_spec_vectors.json",
        ] {
            let f = fixture(file);
            let token = f["auth_token"].as_str().unwrap();
            for v in f["vectors"].as_array().unwrap() {
                // Bodies signed by hash (JSON webhooks) are not what messaging sends.
                if v.get("body").is_some() || v.get("url").is_none() {
                    continue;
                }
                let url = v["url"].as_str().unwrap();
                let p = params(v, &f["default_params"]);
                let signature = v["signature"]
                    .as_str()
                    .or(v["expected_signature"].as_str())
                    .unwrap();
                let valid = v["expected_valid"].as_bool().unwrap_or(true);
                assert_eq!(
                    twilio_verify(token, url, &p, signature),
                    valid,
                    "{}",
                    v["name"]
                );
                checked += 1;
            }
        }
        assert!(checked >= 15, "only {checked} vectors checked");
    }

    #[test]
    fn twilio_rejects_tampering() {
        let p = vec![
            ("Body".to_string(), "Bonjour".to_string()),
            ("From".into(), "+33600000001".into()),
        ];
        let url = "https://shop.example.com/webhooks/twilio";
        let good = twilio_sign("token", url, &p);
        assert!(twilio_verify("token", url, &p, &good));
        assert!(!twilio_verify("other", url, &p, &good), "wrong token");
        let mut changed = p.clone();
        changed[0].1 = "Bonjour!".into();
        assert!(
            !twilio_verify("token", url, &changed, &good),
            "changed body"
        );
        assert!(!twilio_verify(
            "token",
            "https://evil.example.com/webhooks/twilio",
            &p,
            &good
        ));
        assert!(!twilio_verify("token", url, &p, ""), "missing");
        assert!(!twilio_verify("token", url, &p, "not base64 !"));
    }

    #[test]
    fn svix_published_vectors() {
        let f = fixture("svix_webhooks__signature_vectors.json");
        for v in f["vectors"].as_array().unwrap() {
            let payload = match v.get("payload") {
                Some(p) => p.as_str().unwrap().to_string(),
                None => v["payload_repeat"]["char"]
                    .as_str()
                    .unwrap()
                    .repeat(v["payload_repeat"]["count"].as_u64().unwrap() as usize),
            };
            let (secret, id, ts) = (
                v["secret"].as_str().unwrap(),
                v["msg_id"].as_str().unwrap(),
                v["timestamp"].as_i64().unwrap(),
            );
            let expected = v["expected_signature"].as_str().unwrap();
            assert_eq!(
                svix_sign(secret, id, ts, payload.as_bytes()).unwrap(),
                expected
            );
            let stamp = ts.to_string();
            assert_eq!(
                svix_verify(secret, id, &stamp, payload.as_bytes(), expected, ts),
                Ok(())
            );
            // Listed among other entries, it still matches; the prefix is optional.
            let listed =
                format!("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,abc {expected}");
            assert_eq!(
                svix_verify(secret, id, &stamp, payload.as_bytes(), &listed, ts),
                Ok(())
            );
            let bare = secret.trim_start_matches("whsec_");
            assert_eq!(
                svix_verify(bare, id, &stamp, payload.as_bytes(), expected, ts),
                Ok(())
            );
        }
    }

    #[test]
    fn svix_negative_cases() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let (id, ts, body) = (
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        let good = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        let stamp = ts.to_string();
        let check =
            |sig: &str, stamp: &str, now: i64| svix_verify(secret, id, stamp, body, sig, now);
        assert_eq!(
            check(
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
                &stamp,
                ts
            ),
            Err(SvixError::Mismatch)
        );
        assert_eq!(check("v1,", &stamp, ts), Err(SvixError::Mismatch));
        assert_eq!(check(&good[..8], &stamp, ts), Err(SvixError::Mismatch));
        assert_eq!(
            check(good, &stamp, ts + SVIX_TOLERANCE_SECS + 1),
            Err(SvixError::Expired)
        );
        assert_eq!(
            check(good, &stamp, ts - SVIX_TOLERANCE_SECS - 1),
            Err(SvixError::Expired)
        );
        assert_eq!(check(good, &stamp, ts + SVIX_TOLERANCE_SECS), Ok(()));
        assert_eq!(check(good, "hello", ts), Err(SvixError::Headers));
        assert_eq!(check(good, "-5", ts), Err(SvixError::Expired));
        // The signed timestamp must be the one in the header.
        assert_eq!(
            check(good, &(ts + 1).to_string(), ts),
            Err(SvixError::Mismatch)
        );
        assert_eq!(
            svix_verify(secret, "", &stamp, body, good, ts),
            Err(SvixError::Headers)
        );
        assert_eq!(
            svix_verify("whsec_!!!", id, &stamp, body, good, ts),
            Err(SvixError::Secret)
        );
    }
}
