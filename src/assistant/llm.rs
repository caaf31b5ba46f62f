//! The optional language model, over an OpenAI-compatible `/v1/chat/completions`
//! endpoint. It reads the intent of messages the rules cannot, and may reword a reply;
//! a rewording that drops any fact of the original (a count, a date, a tracking
//! number) is thrown away. Any failure or timeout leaves the rule engine's answer.

use std::time::Duration;

use crate::config::Llm as LlmConfig;
use crate::engine::Decision;
use crate::engine::intent::Intent;
use crate::engine::lang::Lang;

pub struct Llm {
    agent: ureq::Agent,
    timeout: Duration,
    url: String,
    model: String,
    api_key: Option<String>,
    rephrase: bool,
}

impl Llm {
    /// The configured model, or `None` when it is off.
    pub fn from_config(config: &LlmConfig) -> Option<Llm> {
        if !config.enabled {
            return None;
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(u64::from(config.timeout_ms))))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Some(Llm {
            agent,
            timeout: Duration::from_millis(u64::from(config.timeout_ms)),
            url: config.url.clone(),
            model: config.model.clone(),
            api_key: config.api_key.as_ref().map(|k| k.expose().to_string()),
            rephrase: config.rephrase,
        })
    }

    /// Whether replies are reworded (then they wait for it, at most `timeout`).
    pub fn rewords(&self) -> bool {
        self.rephrase
    }

    pub fn timeout(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::try_from(self.timeout).unwrap_or(jiff::SignedDuration::from_secs(5))
    }

    fn complete(&self, system: &str, user: &str) -> Result<String, String> {
        let body = serde_json::json!({
            "model": self.model,
            "temperature": 0,
            "max_tokens": 300,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
        });
        let mut request = self.agent.post(&self.url);
        if let Some(key) = &self.api_key {
            request = request.header("Authorization", &format!("Bearer {key}"));
        }
        let mut response = request.send_json(&body).map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        let value: serde_json::Value = response
            .body_mut()
            .read_json()
            .map_err(|e| format!("unreadable answer: {e}"))?;
        value["choices"][0]["message"]["content"]
            .as_str()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| "answer without choices[0].message.content".into())
    }

    /// A reworded reply keeping every fact, or `None` (then the original is sent).
    pub fn rephrase(&self, decision: &Decision) -> Option<String> {
        if !self.rephrase {
            return None;
        }
        let lang = match decision.lang {
            Lang::Fr => "French",
            Lang::En => "English",
        };
        let system = format!(
            "You reword a shop assistant's reply to a customer, in {lang}, warm and brief. \
             Keep every fact exactly as written (numbers, dates, names, links). Add no facts. \
             Answer with the reworded reply only."
        );
        match self.complete(&system, &decision.reply) {
            Ok(text) if keeps_facts(&text, &decision.facts) => Some(text),
            Ok(_) => {
                tracing::info!(
                    "language model rewording dropped a fact; the original reply is sent"
                );
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "language model unavailable; the original reply is sent");
                None
            }
        }
    }
}

/// Whether every fact appears in the text as written.
pub fn keeps_facts(text: &str, facts: &[String]) -> bool {
    facts
        .iter()
        .all(|f| f.trim().is_empty() || text.contains(f.as_str()))
}

impl Llm {
    /// The intent the model reads in a message, if it answers with one.
    pub fn classify(&self, text: &str) -> Option<Intent> {
        let codes: Vec<&str> = Intent::ALL.iter().map(|i| i.code()).collect();
        let system = format!(
            "Classify a customer's message to a clothing shop. Answer with exactly one of: {}.",
            codes.join(", ")
        );
        match self.complete(&system, text) {
            Ok(answer) => {
                let answer = answer.to_lowercase();
                // The longest code that appears, so "product_search" is not read as "price".
                Intent::ALL
                    .iter()
                    .filter(|i| answer.contains(i.code()))
                    .max_by_key(|i| i.code().len())
                    .copied()
            }
            Err(e) => {
                tracing::warn!(error = %e, "language model unavailable; the rules' reading stands");
                None
            }
        }
    }
}
