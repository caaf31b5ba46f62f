//! Answers from the shop's profile: opening hours (now, on a given day, the week),
//! address, phone and e-mail, returns and shipping policies.

use super::info::{self, When};
use super::intent::Intent;
use super::{Action, Decision, Turn};

pub(super) fn answer(turn: &Turn<'_>, intent: Intent) -> Decision {
    let shop = turn.engine.shop;
    let lang = turn.lang;
    let done = |key: &str, vars: &[(&str, &str)], facts: Vec<String>| {
        let mut d = turn.decide(intent, Action::Answer, key, vars);
        d.facts = facts;
        d
    };
    match intent {
        Intent::ShopHours => hours(turn),
        Intent::ShopAddress if !shop.address.is_empty() => done(
            "address",
            &[("address", &shop.address), ("shop", &shop.name)],
            vec![shop.address.clone()],
        ),
        Intent::ShopContact if !(shop.phone.is_empty() && shop.email.is_empty()) => done(
            "contact",
            &[("phone", &shop.phone), ("email", &shop.email)],
            vec![shop.phone.clone(), shop.email.clone()],
        ),
        Intent::ReturnsPolicy if !shop.returns.fr.trim().is_empty() => done(
            "returns",
            &[("policy", shop.returns.text(lang))],
            Vec::new(),
        ),
        Intent::ShippingInfo if !shop.shipping_countries.is_empty() => shipping(turn),
        // Nothing on file to answer with: a human will.
        _ => turn.decide(intent, Action::Handoff, "unsure", &[]),
    }
}

fn hours(turn: &Turn<'_>) -> Decision {
    let shop = turn.engine.shop;
    let (lang, now) = (turn.lang, turn.input.now);
    let intent = Intent::ShopHours;
    let today = now.to_zoned(shop.hours.tz.clone()).date();
    let week = info::week(&shop.hours, lang);
    match info::asked_when(&turn.words, now, &shop.hours) {
        When::Now if shop.hours.is_open_at(now) => {
            let close = info::day_hours(&shop.hours, today, lang).unwrap_or_default();
            let local = now.to_zoned(shop.hours.tz.clone()).time();
            let closing = shop.hours.days[today.weekday().to_monday_zero_offset() as usize]
                .iter()
                .find(|(open, close)| *open <= local && local < *close)
                .map(|(_, c)| info::time(*c, lang))
                .unwrap_or(close);
            turn.decide(intent, Action::Answer, "open_now", &[("close", &closing)])
        }
        When::Now => {
            let next = shop
                .hours
                .next_opening(now)
                .map(|(opens, _)| info::moment_at(opens.timestamp(), now, &shop.hours, lang))
                .unwrap_or_default();
            turn.decide(intent, Action::Answer, "closed_now", &[("next", &next)])
        }
        When::Day(day) => {
            let subject = info::day_subject(day, today, lang);
            match info::day_hours(&shop.hours, day, lang) {
                Some(hours) => turn.decide(
                    intent,
                    Action::Answer,
                    "hours_day_open",
                    &[("day", &subject), ("hours", &hours)],
                ),
                None => turn.decide(
                    intent,
                    Action::Answer,
                    "hours_day_closed",
                    &[("day", &subject), ("week", &week)],
                ),
            }
        }
        When::Week => turn.decide(intent, Action::Answer, "hours_week", &[("hours", &week)]),
    }
}

fn shipping(turn: &Turn<'_>) -> Decision {
    let shop = turn.engine.shop;
    let lang = turn.lang;
    let intent = Intent::ShippingInfo;
    let policy = shop.shipping.text(lang);
    let countries: Vec<String> = shop
        .shipping_countries
        .iter()
        .map(|c| info::country(c, lang, false))
        .collect();
    let countries = info::list(&countries, lang);
    match info::country_named(&turn.body) {
        Some(code) if shop.shipping_countries.iter().any(|c| c == code) => turn.decide(
            intent,
            Action::Answer,
            "ships_there",
            &[
                ("country", &info::country(code, lang, true)),
                ("policy", policy),
            ],
        ),
        Some(code) => turn.decide(
            intent,
            Action::Answer,
            "ships_not_there",
            &[
                ("country", &info::country(code, lang, true)),
                ("countries", &countries),
            ],
        ),
        None => turn.decide(
            intent,
            Action::Answer,
            "shipping",
            &[("policy", policy), ("countries", &countries)],
        ),
    }
}
