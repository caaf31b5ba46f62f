//! The conversation engine: a shopper's message in, a decision out (what was understood,
//! what was done, the reply). Pure: no network, no clock of its own, no SQL. The
//! catalogue index, the shop's settings and the time are passed in; stock, holds and
//! orders come through the narrow `ShopData` trait.

pub mod alerts;
pub mod booking;
pub mod catalogue;
pub mod data;
pub mod dialogue;
pub mod facts;
pub mod grammar;
pub mod hours;
pub mod info;
pub mod intent;
pub mod lang;
pub mod model;
pub mod options;
pub mod places;
pub mod replies;
pub mod shop;
pub mod sizes;
pub mod slots;
pub mod text;
pub mod tracking;

mod orders;
mod products;
mod questions;
mod shop_answers;

pub use orders::phone_key;
pub use products::price;

use jiff::Timestamp;

use self::catalogue::{Index, Matched};
use self::data::{AlertKind, DataError, ShopData};
use self::dialogue::{Asked, Dialogue};
use self::facts::Facts;
use self::intent::Intent;
use self::lang::Lang;
use self::model::features::{Hint, Signals};
use self::model::{Model, Reading};
use self::replies::Templates;
use self::shop::{Shop, WhenUnsure};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Whatsapp,
    Email,
    Webchat,
    /// An admin trying the bot (`comptoir chat`, the onboarding's test step).
    Console,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Whatsapp => "whatsapp",
            Channel::Email => "email",
            Channel::Webchat => "webchat",
            Channel::Console => "console",
        }
    }

    pub fn from_code(code: &str) -> Option<Channel> {
        [
            Channel::Sms,
            Channel::Whatsapp,
            Channel::Email,
            Channel::Webchat,
            Channel::Console,
        ]
        .into_iter()
        .find(|c| c.code() == code)
    }
}

/// What the bot does with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Answer,
    /// A hold was created.
    Reserve,
    CancelReservation,
    ListProducts,
    Handoff,
    /// The shopper was subscribed to an alert.
    Subscribe,
    /// An appointment was booked or moved.
    Book,
    CancelAppointment,
    Ask(Asked),
}

impl Action {
    /// The label used in decisions (`../shared/eval/README.md`).
    pub fn code(self) -> &'static str {
        match self {
            Action::Answer => "answer",
            Action::Reserve => "reserve",
            Action::CancelReservation => "cancel_reservation",
            Action::ListProducts => "list_products",
            Action::Handoff => "handoff",
            Action::Subscribe => "subscribe",
            Action::Book => "book",
            Action::CancelAppointment => "cancel_appointment",
            Action::Ask(Asked::Size) => "ask:size",
            Action::Ask(Asked::Color) => "ask:color",
            Action::Ask(Asked::Product) => "ask:product",
            Action::Ask(Asked::Order) => "ask:order",
            Action::Ask(Asked::Email) | Action::Ask(Asked::AlertEmail) => "ask:email",
            Action::Ask(Asked::ShipTo) => "ask:ship_to",
            Action::Ask(Asked::Service) => "ask:service",
            Action::Ask(Asked::Slot) => "ask:slot",
            // An offer closing an answer: the answer is what was done.
            Action::Ask(Asked::Hold) | Action::Ask(Asked::Alert) => "answer",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub intent: Intent,
    /// The product's handle, when one product is meant.
    pub product: Option<String>,
    /// The variant's title ("38", "Beige / M", "Default Title").
    pub variant: Option<String>,
    pub in_stock: Option<bool>,
    pub action: Action,
    /// The order whose details the reply gives.
    pub order: Option<String>,
    pub reply: String,
    pub lang: Lang,
    /// How sure the model was of the intent it read in the message (0–1).
    pub confidence: f32,
    /// The model's best guess, even when below its threshold (shown to staff).
    pub guess: Intent,
    /// Facts the reply states (counts, prices, dates, tracking numbers): a rephrased
    /// reply must still hold every one of them.
    pub facts: Vec<String>,
}

impl Decision {
    fn new(intent: Intent, lang: Lang, action: Action, reply: String) -> Decision {
        Decision {
            intent,
            product: None,
            variant: None,
            in_stock: None,
            action,
            order: None,
            reply,
            lang,
            confidence: 1.0,
            guess: intent,
            facts: Vec::new(),
        }
    }
}

/// One incoming message.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    pub text: &'a str,
    pub channel: Channel,
    /// The sender on that channel: +33…, whatsapp:+33…, an e-mail address, visitor:ID.
    pub contact: &'a str,
    pub now: Timestamp,
}

pub struct Engine<'a> {
    pub shop: &'a Shop,
    pub index: &'a Index,
    pub templates: &'a Templates,
    /// The intent model, trained on the shipped corpus and the shop's own examples.
    pub model: &'a Model,
    /// What a language model read in a message the rules could not (see `read`), if
    /// one was asked; the caller asks it, so the engine itself does no I/O.
    pub model_intent: Option<Intent>,
}

/// The text of a message the engine works on: for e-mail, the shopper's own words
/// (quotes and signature cut).
pub fn own_text(input: &Input<'_>) -> String {
    match input.channel {
        Channel::Email => text::own_words(input.text),
        _ => input.text.trim().to_string(),
    }
}

/// The catalogue matcher's finding as the model sees it.
pub fn signals(matched: &Matched<'_>, facts: &Facts) -> Signals {
    let hint = match matched {
        Matched::One(_) | Matched::Several(_) => Hint::Specific,
        Matched::Category(_) => Hint::Category,
        Matched::Nothing => Hint::None,
    };
    Signals {
        hint,
        size: facts.size.is_some(),
        order_number: facts.order.is_some(),
        email: facts.email.is_some(),
    }
}

/// What the engine reads in a message: which product(s) it names, and what the model
/// makes of its words together with that finding.
pub fn read<'i>(
    index: &'i Index,
    model: &Model,
    body: &str,
    facts: &Facts,
) -> (Matched<'i>, Reading) {
    let mut matched = index.find(body);
    // "Des robes de soirée ?", "any bags?": a kind of product, though one product
    // may be named after it.
    if !matches!(matched, Matched::Category(_) | Matched::Nothing)
        && facts.size.is_none()
        && speaks_of_a_kind(body)
    {
        let kind = index.kind_of(body);
        if kind.len() >= 2 {
            matched = Matched::Category(kind);
        }
    }
    let reading = model.read(&masked(body, &matched), signals(&matched, facts));
    (matched, reading)
}

/// `body` as the intent model reads it: the names of the products found replaced by
/// one token, as in the corpus, so that the finding weighs and never the name.
pub fn masked(body: &str, matched: &Matched<'_>) -> String {
    // Only a single product: words several products share ("jean", "portefeuille")
    // are as likely the shopper's own.
    match matched {
        Matched::One(p) => catalogue::mask_names(body, &[p.title.as_str()]),
        _ => body.to_string(),
    }
}

/// A message being answered, with what the engine read in it.
struct Turn<'a> {
    engine: &'a Engine<'a>,
    input: &'a Input<'a>,
    lang: Lang,
    body: String,
    words: Vec<String>,
    facts: Facts,
}

impl Turn<'_> {
    fn say(&self, key: &str, vars: &[(&str, &str)]) -> String {
        self.engine
            .templates
            .render(key, self.lang, self.engine.shop.tone, vars)
    }

    fn decide(&self, intent: Intent, action: Action, key: &str, vars: &[(&str, &str)]) -> Decision {
        Decision::new(intent, self.lang, action, self.say(key, vars))
    }

    fn has(&self, list: &[&str]) -> bool {
        self.words.iter().any(|w| list.contains(&w.as_str()))
    }
}

const GREETING_WORDS: &[&str] = &[
    "bonjour", "bonsoir", "salut", "coucou", "hello", "hi", "hey",
];
pub(crate) const YES: &[&str] = &[
    "oui",
    "ouais",
    "yes",
    "yep",
    "ok",
    "volontiers",
    "please",
    "d'accord",
    "go",
    "sure",
    "carrement",
    "parfait",
];
pub(crate) const NO: &[&str] = &["non", "no", "nope", "pas"];

/// Plural phrasing that asks about a kind of product: "des robes", "any bags",
/// "quels sacs".
/// `reply` with `extra` added before its closing question ("… Tu passes quand ? 😊"),
/// or at the end when it closes with none.
fn before_last_question(reply: &str, extra: &str) -> String {
    let end = reply.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '?');
    if !end.ends_with('?') {
        return format!("{reply} {extra}");
    }
    let body = &end[..end.len() - 1];
    match body.rfind(['.', '!', '?']) {
        Some(at) if reply[at + 1..].starts_with(' ') => {
            format!("{} {extra}{}", &reply[..=at], &reply[at + 1..])
        }
        _ => format!("{reply} {extra}"),
    }
}

fn speaks_of_a_kind(body: &str) -> bool {
    let words = text::words(body);
    let markers = [
        "des", "any", "some", "quels", "quelles", "what", "which", "vos", "your", "toutes", "tous",
        "all",
    ];
    words.iter().any(|w| markers.contains(&w.as_str()))
        && words.iter().any(|w| {
            w.len() > 3 && !catalogue::is_stop(w) && (w.ends_with('s') || w.ends_with('x'))
        })
}

impl Engine<'_> {
    /// Answers one message of a conversation, updating its dialogue state.
    pub fn respond(
        &self,
        input: &Input<'_>,
        state: &mut Dialogue,
        data: &mut dyn ShopData,
    ) -> Result<Decision, DataError> {
        state.refresh(input.now);
        let body = own_text(input);
        let lang = lang::detect(&body).or(state.lang).unwrap_or(self.shop.lang);
        state.lang = Some(lang);
        let turn = Turn {
            engine: self,
            input,
            lang,
            words: text::words(&body),
            facts: facts::extract(&body),
            body,
        };
        let (matched, reading) = read(self.index, self.model, &turn.body, &turn.facts);
        let mut intent = reading.intent;
        if intent == Intent::Unknown
            && let Some(read) = self.model_intent
        {
            intent = read;
        }
        // A message may ask two things: an errand (a product, an order) leads, and the
        // shop's questions are answered after it.
        let asked = questions::asked(self.model, &turn, &matched);
        if questions::is_shop_info(intent)
            && let Some(errand) = asked.iter().find(|i| questions::is_errand(**i))
        {
            intent = *errand;
        }
        let mut decision = self.route(&turn, intent, matched, state, data)?;
        self.answer_the_rest(&turn, &asked, &mut decision);
        decision.confidence = reading.confidence;
        decision.guess = reading.best;
        if decision.intent != Intent::Unknown {
            state.rephrase_asked = false;
        }
        state.asked = match decision.action {
            Action::Ask(asked) => Some(asked),
            _ => None,
        };
        let greeted = turn
            .words
            .first()
            .is_some_and(|w| GREETING_WORDS.contains(&w.as_str()));
        if greeted && !matches!(decision.intent, Intent::Greeting | Intent::Thanks) {
            let hello = match lang {
                Lang::Fr => "Bonjour !",
                Lang::En => "Hello!",
            };
            decision.reply = format!("{hello} {}", decision.reply);
        }
        if input.channel == Channel::Email && !self.shop.signature.trim().is_empty() {
            decision.reply = format!("{}\n\n{}", decision.reply, self.shop.signature.trim());
        }
        Ok(decision)
    }

    /// Adds the answers to the other questions of the message: the shop's profile
    /// questions, and the price of the item just answered about.
    fn answer_the_rest(&self, turn: &Turn<'_>, asked: &[Intent], decision: &mut Decision) {
        if matches!(decision.action, Action::Handoff) {
            return;
        }
        let mut extra: Vec<String> = Vec::new();
        let about_an_item = matches!(
            decision.intent,
            Intent::ProductAvailability | Intent::Reservation
        );
        if about_an_item
            && asked.contains(&Intent::Price)
            && let Some((line, amount)) = products::price_line(turn, decision)
        {
            extra.push(line);
            decision.facts.push(amount);
        }
        // "Dans quelle boutique ?" was answered with the shops' addresses.
        let placed = places::asks_where(turn);
        for &intent in asked {
            if placed && matches!(intent, Intent::ShopAddress | Intent::ShopHours) {
                continue;
            }
            if questions::is_shop_info(intent) && intent != decision.intent {
                let answer = shop_answers::answer(turn, intent);
                if answer.action != Action::Handoff {
                    extra.push(answer.reply);
                    decision.facts.extend(answer.facts);
                }
            }
        }
        if !extra.is_empty() {
            decision.reply = before_last_question(&decision.reply, &extra.join(" "));
        }
    }

    fn route(
        &self,
        turn: &Turn<'_>,
        intent: Intent,
        matched: Matched<'_>,
        state: &mut Dialogue,
        data: &mut dyn ShopData,
    ) -> Result<Decision, DataError> {
        // An answer to what the bot just asked.
        match state.asked {
            Some(Asked::Email) if turn.facts.email.is_some() => {
                return orders::verify(turn, state, data);
            }
            Some(Asked::Order) if turn.facts.order.is_some() => {
                return orders::status(turn, state, data);
            }
            Some(Asked::ShipTo) if turn.facts.order.is_none() => {
                return orders::verify_ship_to(turn, state, data);
            }
            Some(Asked::Hold) if turn.has(YES) && !turn.has(NO) => {
                return products::hold_current(turn, state, data);
            }
            Some(Asked::Hold) if turn.has(NO) => {
                return Ok(turn.decide(intent, Action::Answer, "hold_declined", &[]));
            }
            Some(Asked::Product) if !state.choices.is_empty() => {
                if let Some(product) = products::pick_choice(turn, state) {
                    let intent = products::product_intent(intent);
                    return products::about(turn, intent, product, state, data);
                }
            }
            Some(Asked::Alert) if turn.has(YES) && !turn.has(NO) => {
                let kind = state.alert.unwrap_or(AlertKind::Stock);
                return alerts::subscribe(turn, kind, None, state, data);
            }
            Some(Asked::Alert) if turn.has(NO) => {
                state.alert = None;
                return Ok(turn.decide(intent, Action::Answer, "hold_declined", &[]));
            }
            Some(Asked::AlertEmail) if turn.facts.email.is_some() => {
                let kind = state.alert.unwrap_or(AlertKind::Stock);
                let email = turn.facts.email.clone();
                return alerts::subscribe(turn, kind, email, state, data);
            }
            Some(Asked::Service) => {
                if let Some(d) = booking::pick_service(turn, state, data)? {
                    return Ok(d);
                }
            }
            Some(Asked::Slot) if intent != Intent::CancelAppointment => {
                if let Some(d) = booking::pick(turn, intent, state, data)? {
                    return Ok(d);
                }
            }
            _ => {}
        }
        let named = match &matched {
            Matched::One(p) => Some(*p),
            _ => None,
        };
        // An alert asked for in so many words ("prévenez-moi si le prix baisse").
        if let Some(kind) = alerts::asked_for(turn)
            && let Some(product) =
                named.or_else(|| state.product.and_then(|id| self.index.product(id)))
        {
            let named_variant = named.is_some() || turn.facts.size.is_some();
            if kind == AlertKind::Stock && named_variant {
                // Which variant first; one in stock now is simply answered.
                let d = products::about(turn, Intent::ProductAvailability, product, state, data)?;
                let found = state.product == Some(product.id) && state.variant.is_some();
                if !found || d.in_stock == Some(true) {
                    return Ok(d);
                }
            } else {
                // A price is the same in every size: the one said, if any, is kept.
                state.switch_product(product.id);
                if let Some(size) = &turn.facts.size {
                    state.size = Some(size.clone());
                    state.variant = None;
                }
            }
            return alerts::subscribe(turn, kind, None, state, data);
        }
        // Which of the shops open to the public has it.
        if places::asks_where(turn)
            && let Some(product) =
                named.or_else(|| state.product.and_then(|id| self.index.product(id)))
            && let Some(d) = places::answer(turn, product, state, data)?
        {
            return Ok(d);
        }
        // More about the product under discussion ("et en 36 ?", "noir M").
        if let Some(id) = state.product
            && let Some(product) = self.index.product(id)
            && products::follows_up(turn, intent, &matched, product)
        {
            let intent = products::product_intent(intent);
            return products::about(turn, intent, product, state, data);
        }
        let shop = self.shop;
        Ok(match intent {
            Intent::Greeting => {
                turn.decide(intent, Action::Answer, "greeting", &[("shop", &shop.name)])
            }
            Intent::Thanks => {
                turn.decide(intent, Action::Answer, "thanks", &[("shop", &shop.name)])
            }
            Intent::ProductAvailability
            | Intent::Reservation
            | Intent::Price
            | Intent::ProductSearch => {
                return products::asked(turn, intent, matched, state, data);
            }
            Intent::CancelReservation => return products::cancel(turn, data),
            Intent::OrderStatus => return orders::status(turn, state, data),
            Intent::ShopHours
            | Intent::ShopAddress
            | Intent::ShopContact
            | Intent::ReturnsPolicy
            | Intent::ShippingInfo => shop_answers::answer(turn, intent),
            Intent::HumanHandoff => turn.decide(intent, Action::Handoff, "handoff", &[]),
            Intent::Complaint => turn.decide(intent, Action::Handoff, "complaint", &[]),
            Intent::Appointment => return booking::asked(turn, state, data),
            Intent::CancelAppointment => return booking::cancel(turn, state, data),
            Intent::Unknown
                if shop.when_unsure == WhenUnsure::AskFirst && !state.rephrase_asked =>
            {
                state.rephrase_asked = true;
                return Ok(turn.decide(intent, Action::Answer, "rephrase", &[]));
            }
            Intent::Unknown => turn.decide(intent, Action::Handoff, "unsure", &[]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::before_last_question;

    #[test]
    fn a_second_answer_goes_before_the_closing_question() {
        assert_eq!(
            before_last_question("Oui ! Il en reste 2. Tu passes quand ? 😊", "Prix : 89 €."),
            "Oui ! Il en reste 2. Prix : 89 €. Tu passes quand ? 😊"
        );
        assert_eq!(
            before_last_question("Our hours: 10am to 7pm.", "We're at 1 Main St."),
            "Our hours: 10am to 7pm. We're at 1 Main St."
        );
        assert_eq!(
            before_last_question("Which size?", "€9."),
            "Which size? €9."
        );
    }
}
