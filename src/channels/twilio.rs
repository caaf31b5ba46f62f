//! Twilio SMS and WhatsApp: inbound messages and delivery reports at `/webhooks/twilio`
//! and `/webhooks/twilio/status`, signed with the account's auth token; replies sent with
//! the Messages API. Twilio is answered at once with empty TwiML: the reply goes out
//! through the outbox.

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;

use super::sender::Delivery;
use super::signatures::twilio_verify;
use crate::assistant::outbox::Pending;
use crate::assistant::{self, Incoming};
use crate::config::Channels;
use crate::db;
use crate::engine::Channel;
use crate::error::AppError;
use crate::web::AppState;

pub const INBOUND_PATH: &str = "/webhooks/twilio";
pub const STATUS_PATH: &str = "/webhooks/twilio/status";
/// Twilio's form posts are small; anything larger is refused.
const BODY_LIMIT: usize = 64 * 1024;
const EMPTY_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#;

pub fn configure(cfg: &mut web::ServiceConfig) {
    for (path, handler) in [(INBOUND_PATH, true), (STATUS_PATH, false)] {
        let resource = web::resource(path).app_data(web::PayloadConfig::new(BODY_LIMIT));
        cfg.service(if handler {
            resource.route(web::post().to(inbound))
        } else {
            resource.route(web::post().to(status))
        });
    }
}

/// The form parameters of a signed request, or why it is refused (nothing is stored).
async fn verified(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Vec<(String, String)>, AppError> {
    let channels = super::settings::current(state).await?;
    let refuse = |why: &str| {
        tracing::warn!(reason = why, "Twilio webhook refused");
        AppError::Forbidden
    };
    let token = channels
        .twilio
        .auth_token
        .as_ref()
        .ok_or_else(|| refuse("no auth token configured"))?;
    let public = state
        .config
        .public_url
        .as_deref()
        .ok_or_else(|| refuse("public_url is not set"))?;
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::BadRequest("Corps de requête illisible.".into()))?;
    let path = req
        .uri()
        .path_and_query()
        .map_or(req.path(), |p| p.as_str());
    let signature = req
        .headers()
        .get("X-Twilio-Signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !twilio_verify(
        token.expose(),
        &format!("{public}{path}"),
        &params,
        signature,
    ) {
        return Err(refuse("bad or missing X-Twilio-Signature"));
    }
    Ok(params)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

async fn inbound(
    state: web::Data<AppState>,
    bot: web::Data<assistant::Service>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let params = verified(&state, &req, &body).await?;
    let missing = |what: &str| AppError::BadRequest(format!("Paramètre {what} manquant."));
    let sid = param(&params, "MessageSid")
        .or(param(&params, "SmsSid"))
        .ok_or_else(|| missing("MessageSid"))?
        .to_string();
    if !super::provider_id_ok(&sid) {
        return Err(AppError::BadRequest(
            "Paramètre MessageSid invalide.".into(),
        ));
    }
    let from = param(&params, "From")
        .ok_or_else(|| missing("From"))?
        .to_string();
    let media: u32 = param(&params, "NumMedia")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // Photos and files: their Twilio addresses, kept with the text for the team.
    let media_urls: Vec<&str> = (0..media.min(10))
        .filter_map(|i| param(&params, &format!("MediaUrl{i}")))
        .collect();
    let mut text = match (param(&params, "Body"), media) {
        (Some(text), _) => text.to_string(),
        (None, 0) => return Ok(twiml()),
        (None, 1) => "📎 1 pièce jointe".to_string(),
        (None, n) => format!("📎 {n} pièces jointes"),
    };
    for url in media_urls {
        text.push_str(&format!("\n📎 {url}"));
    }
    let profile_name = param(&params, "ProfileName").map(str::to_string);
    let channel = if from.starts_with("whatsapp:") {
        Channel::Whatsapp
    } else {
        Channel::Sms
    };
    let now = state.clock.now();
    let contact_for_name = from.clone();
    let assistant = bot.assistant.clone();
    let llm = bot.llm.clone();
    let outcome = db::call(&state.db, move |conn| {
        assistant.handle(
            conn,
            &Incoming {
                channel,
                contact: &from,
                text: &text,
                provider_id: Some(&sid),
                email: None,
                test: false,
            },
            now,
            llm.as_deref(),
        )
    })
    .await?;
    if !outcome.duplicate {
        state.outbox_ready.notify_one();
        if outcome.wants_notices() {
            state.notices_wanted.notify_one();
        }
        if let Some(name) = profile_name {
            // WhatsApp gives the sender's profile name: the inbox shows it.
            let from = contact_for_name;
            db::call(&state.db, move |conn| {
                db::write(conn, |tx| {
                    crate::assistant::contacts::set_name(tx, channel, &from, &name)
                })
            })
            .await?;
        }
        state.events.changed(outcome.conversation);
    }
    Ok(twiml())
}

fn twiml() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/xml; charset=utf-8")
        .body(EMPTY_TWIML)
}

/// Delivery reports: delivered (or read), or failed with Twilio's error code.
async fn status(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let params = verified(&state, &req, &body).await?;
    let (Some(sid), Some(status)) = (
        param(&params, "MessageSid"),
        param(&params, "MessageStatus"),
    ) else {
        return Ok(HttpResponse::Ok().finish());
    };
    let report = match status {
        "delivered" | "read" => Some((true, None)),
        "undelivered" | "failed" => Some((
            false,
            Some(format!(
                "Twilio : message non remis (code {})",
                param(&params, "ErrorCode").unwrap_or("inconnu")
            )),
        )),
        _ => None,
    };
    if let Some((delivered, error)) = report {
        let (sid, now) = (sid.to_string(), state.clock.now());
        let changed = db::call(&state.db, move |conn| {
            crate::assistant::outbox::report(conn, &sid, delivered, error.as_deref(), now)
        })
        .await?;
        if let Some(conversation) = changed {
            state.events.changed(conversation);
        }
    }
    Ok(HttpResponse::Ok().finish())
}

/// Sends one reply with the Messages API.
/// The account, its auth header, the sender for `p`'s channel and the Messages URL.
struct Account {
    url: String,
    auth: String,
    from: String,
}

fn account(channels: &Channels, channel: Channel) -> Result<Account, String> {
    let t = &channels.twilio;
    let from = match channel {
        Channel::Whatsapp => t.whatsapp_from.as_deref(),
        _ => t.sms_from.as_deref(),
    };
    let (Some(sid), Some(token), Some(from)) =
        (t.account_sid.as_deref(), t.auth_token.as_ref(), from)
    else {
        return Err(
            "Twilio n'est pas configuré (account_sid, auth_token et numéro d'envoi).".into(),
        );
    };
    Ok(Account {
        url: format!(
            "{}/2010-04-01/Accounts/{sid}/Messages.json",
            t.api_url.trim_end_matches('/')
        ),
        auth: format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{sid}:{}", token.expose()))
        ),
        from: from.to_string(),
    })
}

/// Whether Twilio already has `p`'s message from an attempt started at `since` (unix
/// seconds) whose answer never arrived: the account's latest messages to the shopper
/// (Messages list, newest first), one with the same sender and text created since
/// then. Its sid, or None when it is not there; an error when Twilio cannot say.
pub fn find_sent(
    http: &ureq::Agent,
    channels: &Channels,
    p: &Pending,
    since: i64,
) -> Result<Option<String>, String> {
    let a = account(channels, p.channel)?;
    let mut response = http
        .get(&a.url)
        .header("Authorization", &a.auth)
        .query("To", &p.recipient)
        .query("From", &a.from)
        .query("PageSize", "50")
        .call()
        .map_err(|e| format!("Twilio sans réponse à la vérification d'un envoi : {e}"))?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(format!("Twilio {status} à la vérification d'un envoi"));
    }
    let page: serde_json::Value = response
        .body_mut()
        .read_json()
        .map_err(|_| "réponse de Twilio illisible à la vérification d'un envoi".to_string())?;
    let created_since = |m: &serde_json::Value| {
        m["date_created"]
            .as_str()
            .and_then(|d| jiff::fmt::rfc2822::parse(d).ok())
            // A few seconds of clock difference between us and Twilio.
            .is_some_and(|d| d.timestamp().as_second() >= since - 5)
    };
    Ok(page["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| {
            m["to"] == p.recipient.as_str()
                && m["from"] == a.from.as_str()
                && m["body"] == p.body.as_str()
                && created_since(m)
        })
        .and_then(|m| m["sid"].as_str())
        .map(str::to_string))
}

pub fn send(
    http: &ureq::Agent,
    channels: &Channels,
    public_url: Option<&str>,
    p: &Pending,
) -> Delivery {
    let a = match account(channels, p.channel) {
        Ok(a) => a,
        Err(e) => return Delivery::Failed(e),
    };
    let mut form: Vec<(&str, String)> = vec![
        ("To", p.recipient.clone()),
        ("From", a.from.clone()),
        ("Body", p.body.clone()),
    ];
    if let Some(public) = public_url {
        form.push(("StatusCallback", format!("{public}{STATUS_PATH}")));
    }
    let sent = http
        .post(&a.url)
        .header("Authorization", &a.auth)
        .send_form(form.iter().map(|(k, v)| (*k, v.as_str())));
    super::sender::classify(
        "Twilio",
        sent,
        |json| json["sid"].as_str().map(str::to_string),
        |json| {
            json["message"]
                .as_str()
                .map(|m| match json["code"].as_i64() {
                    Some(code) => format!("{m} (code {code})"),
                    None => m.to_string(),
                })
        },
    )
}
