//! E-mail through Resend: inbound mail arrives as `email.received` events at
//! `/webhooks/resend`, signed with Svix; the event carries the envelope only, so the
//! message itself is fetched from the Receiving API before anything is stored (a failed
//! fetch answers 503, and Resend delivers the event again). Replies are sent with the
//! Emails API, threaded under the shopper's message, with the outbox row as idempotency
//! key so a retried send is never sent twice. Delivery events update the outbox.

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde_json::{Value, json};

use super::sender::{self, Delivery};
use super::signatures::svix_verify;
use crate::assistant::outbox::{self, Pending};
use crate::assistant::{self, EmailThread, Incoming};
use crate::config::Channels;
use crate::db;
use crate::engine::Channel;
use crate::error::AppError;
use crate::web::AppState;

pub const PATH: &str = "/webhooks/resend";
const BODY_LIMIT: usize = 256 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(PATH)
            .app_data(web::PayloadConfig::new(BODY_LIMIT))
            .route(web::post().to(webhook)),
    );
}

fn header<'a>(req: &'a HttpRequest, names: [&str; 2]) -> &'a str {
    names
        .iter()
        .find_map(|n| req.headers().get(*n).and_then(|v| v.to_str().ok()))
        .unwrap_or("")
}

/// The address in "Marie Lenoir <marie@example.org>", lower-cased.
pub fn address(from: &str) -> String {
    let inner = match (from.rfind('<'), from.rfind('>')) {
        (Some(start), Some(end)) if start < end => &from[start + 1..end],
        _ => from,
    };
    inner.trim().to_lowercase()
}

/// The received message from the Receiving API: (text, Message-ID).
fn fetch(
    http: &ureq::Agent,
    channels: &Channels,
    email_id: &str,
) -> Result<(String, String), String> {
    let r = &channels.resend;
    let key = r.api_key.as_ref().ok_or("no Resend API key configured")?;
    let url = format!(
        "{}/emails/receiving/{email_id}",
        r.api_url.trim_end_matches('/')
    );
    let mut response = http
        .get(&url)
        .header("Authorization", &format!("Bearer {}", key.expose()))
        .call()
        .map_err(|e| format!("Resend unreachable: {e}"))?;
    let status = response.status().as_u16();
    let body: Value = response.body_mut().read_json().unwrap_or_default();
    if status != 200 {
        return Err(format!(
            "Resend {status}: {}",
            body["message"].as_str().unwrap_or("")
        ));
    }
    let text = match body["text"].as_str().filter(|t| !t.trim().is_empty()) {
        Some(text) => text.to_string(),
        None => strip_html(body["html"].as_str().unwrap_or("")),
    };
    Ok((text, body["message_id"].as_str().unwrap_or("").to_string()))
}

/// Text of an HTML mail with no text part: tags dropped, breaks kept.
fn strip_html(html: &str) -> String {
    let spaced = html
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("</p>", "\n");
    let mut out = String::new();
    let mut in_tag = false;
    for c in spaced.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .trim()
        .to_string()
}

async fn webhook(
    state: web::Data<AppState>,
    bot: web::Data<assistant::Service>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let channels = super::settings::current(&state).await?;
    let Some(secret) = channels.resend.webhook_secret.as_ref() else {
        tracing::warn!("Resend webhook refused: no webhook_secret configured");
        return Err(AppError::Forbidden);
    };
    let now = state.clock.now();
    let verified = svix_verify(
        secret.expose(),
        header(&req, ["svix-id", "webhook-id"]),
        header(&req, ["svix-timestamp", "webhook-timestamp"]),
        &body,
        header(&req, ["svix-signature", "webhook-signature"]),
        now.as_second(),
    );
    if let Err(e) = verified {
        tracing::warn!(reason = %e, "Resend webhook refused");
        return Err(AppError::Forbidden);
    }
    let event: Value = serde_json::from_slice(&body)
        .map_err(|_| AppError::BadRequest("Événement illisible.".into()))?;
    let data = &event["data"];
    let email_id = data["email_id"].as_str().unwrap_or("").to_string();
    if !email_id.is_empty() && !super::provider_id_ok(&email_id) {
        return Err(AppError::BadRequest(
            "Identifiant d'e-mail invalide (lettres, chiffres et tirets seulement).".into(),
        ));
    }
    match event["type"].as_str().unwrap_or("") {
        "email.received" if !email_id.is_empty() => {}
        kind @ ("email.delivered" | "email.bounced" | "email.failed" | "email.complained") => {
            let delivered = kind == "email.delivered";
            let error = (!delivered).then(|| {
                let why = data["bounce"]["message"]
                    .as_str()
                    .or(data["failed"]["reason"].as_str())
                    .unwrap_or(kind);
                format!("Resend : {why}")
            });
            let changed = db::call(&state.db, move |conn| {
                outbox::report(conn, &email_id, delivered, error.as_deref(), now)
            })
            .await?;
            if let Some(conversation) = changed {
                state.events.changed(conversation);
            }
            return Ok(HttpResponse::Ok().finish());
        }
        _ => return Ok(HttpResponse::Ok().finish()),
    }
    let from = address(data["from"].as_str().unwrap_or(""));
    if !from.contains('@') {
        return Err(AppError::BadRequest("Expéditeur manquant.".into()));
    }
    let subject = data["subject"].as_str().unwrap_or("").to_string();
    let (http, id) = (state.http.clone(), email_id.clone());
    let fetched = tokio::task::spawn_blocking(move || fetch(&http, &channels, &id)).await?;
    let (text, message_id) = match fetched {
        Ok(found) => found,
        Err(e) => {
            // Nothing stored: Resend will deliver the event again.
            tracing::warn!(error = %e, "could not fetch a received e-mail");
            return Ok(HttpResponse::ServiceUnavailable().finish());
        }
    };
    let message_id = if message_id.is_empty() {
        data["message_id"].as_str().unwrap_or("").to_string()
    } else {
        message_id
    };
    let text = if text.trim().is_empty() {
        subject.clone()
    } else {
        text
    };
    let assistant = bot.assistant.clone();
    let llm = bot.llm.clone();
    let outcome = db::call(&state.db, move |conn| {
        assistant.handle(
            conn,
            &Incoming {
                channel: Channel::Email,
                contact: &from,
                text: &text,
                provider_id: Some(&email_id),
                email: Some(EmailThread {
                    subject: &subject,
                    message_id: &message_id,
                }),
                test: false,
            },
            now,
            llm.as_deref(),
        )
    })
    .await?;
    if !outcome.duplicate {
        state.outbox_ready.notify_one();
        state.events.changed(outcome.conversation);
        if outcome.wants_notices() {
            state.notices_wanted.notify_one();
        }
    }
    Ok(HttpResponse::Ok().finish())
}

/// Sends one reply with the Emails API.
pub fn send(http: &ureq::Agent, channels: &Channels, p: &Pending) -> Delivery {
    let r = &channels.resend;
    let (Some(key), Some(from)) = (r.api_key.as_ref(), r.from.as_deref()) else {
        return Delivery::Failed("Resend n'est pas configuré (api_key et from).".into());
    };
    let mut mail = json!({
        "from": from,
        "to": [p.recipient],
        "subject": p.subject,
        "text": p.body,
    });
    if !p.in_reply_to.is_empty() {
        mail["headers"] = json!({"In-Reply-To": p.in_reply_to, "References": p.in_reply_to});
    }
    if !p.attachment.is_empty() {
        // A cancellation is METHOD:CANCEL inside; calendars read the method from the
        // part's type too.
        let method = if p.attachment.contains("METHOD:CANCEL") {
            "CANCEL"
        } else {
            "REQUEST"
        };
        mail["attachments"] = json!([{
            "filename": "invitation.ics",
            "content": base64::engine::general_purpose::STANDARD.encode(&p.attachment),
            "content_type": format!("text/calendar; charset=utf-8; method={method}"),
        }]);
    }
    let mut request = http
        .post(&format!("{}/emails", r.api_url.trim_end_matches('/')))
        .header("Authorization", &format!("Bearer {}", key.expose()));
    // An outbox reply keeps its key across attempts; a test send (id 0) has none.
    if p.id > 0 {
        request = request.header("Idempotency-Key", &format!("comptoir-outbox-{}", p.id));
    }
    let sent = request.send_json(&mail);
    sender::classify(
        "Resend",
        sent,
        |json| json["id"].as_str().map(str::to_string),
        |json| json["message"].as_str().map(str::to_string),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders_and_html_bodies_are_read() {
        assert_eq!(
            address("Marie Lenoir <Marie.Lenoir@Example.org>"),
            "marie.lenoir@example.org"
        );
        assert_eq!(address("sender@example.com"), "sender@example.com");
        assert_eq!(strip_html("<p>hello world</p>"), "hello world");
        assert_eq!(
            strip_html("<div>Bonjour,<br>la robe en 38 ?&nbsp;</div>"),
            "Bonjour,\nla robe en 38 ?"
        );
    }
}
