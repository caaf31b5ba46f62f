//! A fake Resend API: `POST /emails` (Bearer key, JSON body, `Idempotency-Key`
//! honoured: the same key gives the same id and sends nothing new) and
//! `GET /emails/receiving/{id}` for inbound messages the test puts there. Errors carry
//! Resend's body (`name`, `message`, `statusCode`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::Served;

pub const KEY: &str = "re_test_0123456789";

#[derive(Default)]
pub struct State {
    pub sent: Vec<Value>,
    pub requests: usize,
    pub received: HashMap<String, Value>,
    pub keys: HashMap<String, String>,
    pub faults: VecDeque<u16>,
}

pub struct FakeResend {
    pub served: Served,
    pub state: Arc<Mutex<State>>,
}

fn error(status: u16, name: &str, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
        .json(json!({"name": name, "message": message, "statusCode": status}))
}

fn authorised(req: &HttpRequest) -> bool {
    req.headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        == Some(&*format!("Bearer {KEY}"))
}

async fn send(
    req: HttpRequest,
    body: web::Json<Value>,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    if !authorised(&req) {
        return error(
            401,
            "missing_api_key",
            "Missing API key in the authorization header.",
        );
    }
    let mut s = state.lock().unwrap();
    s.requests += 1;
    if let Some(code) = s.faults.pop_front() {
        return match code {
            500 => error(
                500,
                "internal_server_error",
                "An unexpected error occurred.",
            ),
            _ => error(422, "validation_error", "Invalid `to` field."),
        };
    }
    for field in ["from", "to", "subject"] {
        if body.get(field).is_none() {
            return error(
                422,
                "missing_required_field",
                &format!("Missing `{field}` field."),
            );
        }
    }
    // Attachments as Resend takes them: a file name, and the content in base64 (or a
    // path to fetch), optionally its content type.
    if let Some(attachments) = body.get("attachments") {
        use base64::Engine;
        let valid = attachments.as_array().is_some_and(|list| {
            list.iter().all(|a| {
                a["filename"].as_str().is_some_and(|f| !f.is_empty())
                    && (a["path"].is_string()
                        || a["content"].as_str().is_some_and(|c| {
                            base64::engine::general_purpose::STANDARD.decode(c).is_ok()
                        }))
                    && (a.get("content_type").is_none() || a["content_type"].is_string())
            })
        });
        if !valid {
            return error(422, "validation_error", "Invalid `attachments` field.");
        }
    }
    let key = req
        .headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if let Some(id) = key.as_ref().and_then(|k| s.keys.get(k)) {
        return HttpResponse::Ok().json(json!({"id": id}));
    }
    let id = format!("4ef9a417-02e9-4d39-ad75-{:012x}", s.sent.len() + 1);
    s.sent.push(body.into_inner());
    if let Some(k) = key {
        s.keys.insert(k, id.clone());
    }
    HttpResponse::Ok().json(json!({"id": id}))
}

async fn received(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    if !authorised(&req) {
        return error(
            401,
            "missing_api_key",
            "Missing API key in the authorization header.",
        );
    }
    match state.lock().unwrap().received.get(path.as_str()) {
        Some(email) => HttpResponse::Ok().json(email),
        None => error(404, "not_found", "Email not found"),
    }
}

impl FakeResend {
    pub fn start() -> FakeResend {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let served = Served::start(move |cfg| {
            cfg.app_data(web::Data::new(shared.clone()))
                .route("/emails", web::post().to(send))
                .route("/emails/receiving/{id}", web::get().to(received));
        });
        FakeResend { served, state }
    }

    /// An inbound e-mail the Receiving API will return, as Resend shapes it.
    pub fn receive(&self, id: &str, from: &str, subject: &str, text: &str, message_id: &str) {
        self.state.lock().unwrap().received.insert(
            id.to_string(),
            json!({"object": "email", "id": id, "to": ["bonjour@elegance-paris.test"], "from": from,
                   "created_at": "2025-11-13 09:24:00.000000+00", "subject": subject,
                   "html": format!("<p>{text}</p>"), "text": text, "bcc": null, "cc": [], "reply_to": [],
                   "received_for": [], "headers": {}, "attachments": [], "message_id": message_id}),
        );
    }

    pub fn sent(&self) -> Vec<Value> {
        self.state.lock().unwrap().sent.clone()
    }
}
