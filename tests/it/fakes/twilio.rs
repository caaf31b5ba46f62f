//! A fake Twilio Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`): Basic
//! auth with the account SID and auth token, form-encoded To/From/Body, 201 with the
//! message resource, and Twilio's error bodies (`code`, `message`, `more_info`, `status`).
//! Faults can be queued to answer the next requests with 500, 429 or 400.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use serde_json::json;

use super::Served;

pub const SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
pub const TOKEN: &str = "twilio-test-auth-token";

#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub to: String,
    pub from: String,
    pub body: String,
    pub status_callback: Option<String>,
}

#[derive(Default)]
pub struct State {
    pub sent: Vec<Sent>,
    pub requests: usize,
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

async fn create(
    req: HttpRequest,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}"))
    );
    let auth = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok());
    if path.as_str() != SID || auth != Some(expected.as_str()) {
        return error(401, 20003, "Authenticate");
    }
    let mut s = state.lock().unwrap();
    s.requests += 1;
    match s.faults.pop_front() {
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
    let sid = format!("SM{:032x}", s.sent.len() + 1);
    s.sent.push(Sent {
        to: to.clone(),
        from: from.clone(),
        body: body.clone(),
        status_callback: get("StatusCallback"),
    });
    HttpResponse::Created().json(json!({
        "account_sid": SID, "api_version": "2010-04-01", "body": body, "direction": "outbound-api",
        "error_code": null, "error_message": null, "from": from, "num_media": "0", "num_segments": "1",
        "sid": sid, "status": "queued", "to": to,
        "uri": format!("/2010-04-01/Accounts/{SID}/Messages/{sid}.json")
    }))
}

impl FakeTwilio {
    pub fn start() -> FakeTwilio {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::new(shared.clone())).route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                web::post().to(create),
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

    pub fn fail_next(&self, statuses: &[u16]) {
        self.state.lock().unwrap().faults.extend(statuses);
    }
}
