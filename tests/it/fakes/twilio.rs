//! A fake Twilio Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json` to send,
//! `GET` the same path to list, newest first, filtered by `To` and `From`, paged by
//! `PageSize`): Basic auth with the account SID and auth token, form-encoded
//! To/From/Body, 201 with the message resource, and Twilio's error bodies (`code`,
//! `message`, `more_info`, `status`). Faults can be queued to answer the next sends with
//! 500, 429 or 400, or (`ACCEPTED_UNREADABLE`) to take the message and answer nothing
//! readable, as when a connection drops after Twilio accepted.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use serde_json::json;

use super::Served;

pub const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const TOKEN: &str = "twilio-test-auth-token";
/// A fault: the message is taken, the answer is cut off.
pub const ACCEPTED_UNREADABLE: u16 = 299;

#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub to: String,
    pub from: String,
    pub body: String,
    pub status_callback: Option<String>,
    pub sid: String,
    pub created: jiff::Timestamp,
}

#[derive(Default)]
pub struct State {
    pub sent: Vec<Sent>,
    pub requests: usize,
    /// List requests (the sender asking whether a message went out).
    pub lookups: usize,
    /// How long each send takes to answer (Twilio's own latency).
    pub latency: Option<std::time::Duration>,
    /// Statuses to answer the next requests with, before accepting again.
    pub faults: VecDeque<u16>,
}

pub struct FakeTwilio {
    pub served: Served,
    pub state: Arc<Mutex<State>>,
}

fn error(status: u16, code: i64, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).json(json!({
        "code": code, "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status
    }))
}

fn authenticated(req: &HttpRequest, account: &str) -> bool {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    let auth = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok());
    account == SID && auth == Some(expected.as_str())
}

/// The message resource as Twilio gives it.
fn resource(m: &Sent) -> serde_json::Value {
    json!({
        "account_sid": SID, "api_version": "2010-04-01", "body": m.body, "direction": "outbound-api",
        "error_code": null, "error_message": null, "from": m.from, "num_media": "0", "num_segments": "1",
        "sid": m.sid, "status": "queued", "to": m.to,
        "date_created": jiff::fmt::rfc2822::to_string(&m.created.to_zoned(jiff::tz::TimeZone::UTC)).unwrap(),
        "date_sent": null, "date_updated": null,
        "uri": format!("/2010-04-01/Accounts/{SID}/Messages/{}.json", m.sid)
    })
}

/// The Messages list: newest first, `To` and `From` filters, one page of `PageSize`.
async fn list(
    req: HttpRequest,
    path: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    if !authenticated(&req, &path) {
        return error(401, 20003, "Authenticate");
    }
    let get = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let size: usize = get("PageSize")
        .and_then(|s| s.parse().ok())
        .unwrap_or(50)
        .min(1000);
    let mut s = state.lock().unwrap();
    s.lookups += 1;
    let messages: Vec<serde_json::Value> = s
        .sent
        .iter()
        .rev()
        .filter(|m| get("To").is_none_or(|to| to == m.to))
        .filter(|m| get("From").is_none_or(|from| from == m.from))
        .take(size)
        .map(resource)
        .collect();
    let uri = format!("/2010-04-01/Accounts/{SID}/Messages.json?PageSize={size}&Page=0");
    HttpResponse::Ok().json(json!({
        "messages": messages, "end": messages.len().saturating_sub(1), "first_page_uri": uri,
        "next_page_uri": null, "page": 0, "page_size": size, "previous_page_uri": null,
        "start": 0, "uri": uri
    }))
}

async fn create(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    if !authenticated(&req, &path) {
        return error(401, 20003, "Authenticate");
    }
    let latency = state.lock().unwrap().latency;
    if let Some(latency) = latency {
        actix_web::rt::time::sleep(latency).await;
    }
    let mut s = state.lock().unwrap();
    s.requests += 1;
    let fault = s.faults.pop_front();
    match fault {
        Some(500) => return error(500, 20500, "Internal Server Error"),
        Some(429) => {
            return HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", "2"))
                .json(json!({"code": 20429, "message": "Too Many Requests",
                             "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}));
        }
        Some(400) => {
            return error(400, 21211, "The 'To' number is not a valid phone number.");
        }
        _ => {}
    }
    let get = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (Some(to), Some(from)) = (get("To"), get("From")) else {
        return error(400, 21604, "A 'To' phone number is required.");
    };
    let Some(body) = get("Body") else {
        return error(400, 21602, "Message body is required.");
    };
    let sent = Sent {
        to,
        from,
        body,
        status_callback: get("StatusCallback"),
        sid: format!("SM{:032x}", s.sent.len() + 1),
        created: jiff::Timestamp::now(),
    };
    let answer = resource(&sent);
    s.sent.push(sent);
    if fault == Some(ACCEPTED_UNREADABLE) {
        return HttpResponse::Created()
            .content_type("application/json")
            .body("{\"account_sid\": \"AC");
    }
    HttpResponse::Created().json(answer)
}

impl FakeTwilio {
    pub fn start() -> FakeTwilio {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::new(shared.clone())).service(
                web::resource("/2010-04-01/Accounts/{sid}/Messages.json")
                    .route(web::post().to(create))
                    .route(web::get().to(list)),
            );
        });
        FakeTwilio { served, state }
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.state.lock().unwrap().sent.clone()
    }

    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().requests
    }

    pub fn lookups(&self) -> usize {
        self.state.lock().unwrap().lookups
    }

    pub fn fail_next(&self, statuses: &[u16]) {
        self.state.lock().unwrap().faults.extend(statuses);
    }
}
