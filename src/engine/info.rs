//! Shop facts said in words: opening hours ("du lundi au samedi de 10h à 19h"), days
//! relative to today ("demain 19h", "tomorrow at 7pm"), which day a question is about,
//! and the countries a shipping question names.

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};

use super::hours::WeekHours;
use super::lang::Lang;
use super::text::fold;

pub fn time(t: Time, lang: Lang) -> String {
    let (h, m) = (t.hour(), t.minute());
    match lang {
        Lang::Fr if m == 0 => format!("{h}h"),
        Lang::Fr => format!("{h}h{m:02}"),
        Lang::En => {
            let suffix = if h < 12 { "am" } else { "pm" };
            let h12 = match h % 12 {
                0 => 12,
                h => h,
            };
            if m == 0 {
                format!("{h12}{suffix}")
            } else {
                format!("{h12}:{m:02}{suffix}")
            }
        }
    }
}

fn ranges(day: &[(Time, Time)], lang: Lang) -> String {
    let parts: Vec<String> = day
        .iter()
        .map(|(open, close)| match lang {
            Lang::Fr => format!("de {} à {}", time(*open, lang), time(*close, lang)),
            Lang::En => format!("from {} to {}", time(*open, lang), time(*close, lang)),
        })
        .collect();
    let and = match lang {
        Lang::Fr => " et ",
        Lang::En => " and ",
    };
    parts.join(and)
}

const DAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

pub fn day_name(day: Weekday, lang: Lang) -> &'static str {
    let i = day.to_monday_zero_offset() as usize;
    match lang {
        Lang::Fr => DAYS_FR[i],
        Lang::En => DAYS_EN[i],
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// The week's hours, equal days grouped: "du lundi au samedi de 10h à 19h, fermé le
/// dimanche".
pub fn week(hours: &WeekHours, lang: Lang) -> String {
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for i in 0..7 {
        match groups.last_mut() {
            Some((_, end)) if hours.days[*end] == hours.days[i] => *end = i,
            _ => groups.push((i, i)),
        }
    }
    let name = |i: usize| day_name(Weekday::Monday.wrapping_add(i as i64), lang);
    let mut open = Vec::new();
    let mut closed = Vec::new();
    for (start, end) in groups {
        let days = match (start == end, lang) {
            (true, Lang::Fr) => format!("le {}", name(start)),
            (true, Lang::En) => format!("on {}", name(start)),
            (false, Lang::Fr) => format!("du {} au {}", name(start), name(end)),
            (false, Lang::En) => format!("{} to {}", name(start), name(end)),
        };
        if hours.days[start].is_empty() {
            closed.push(days);
        } else {
            open.push(format!("{days} {}", ranges(&hours.days[start], lang)));
        }
    }
    if open.is_empty() {
        return match lang {
            Lang::Fr => "pas d'horaires d'ouverture renseignés".into(),
            Lang::En => "no opening hours set".into(),
        };
    }
    let mut out = open.join(", ");
    if !closed.is_empty() {
        out += match lang {
            Lang::Fr => ", fermé ",
            Lang::En => ", closed ",
        };
        out += &closed.join(", ");
    }
    out
}

/// A day as said from today: "aujourd'hui", "demain", "vendredi", or with its date
/// beyond a week.
pub fn relative_day(day: Date, today: Date, lang: Lang) -> String {
    let diff = (day - today).get_days();
    match (diff, lang) {
        (0, Lang::Fr) => "aujourd'hui".into(),
        (0, Lang::En) => "today".into(),
        (1, Lang::Fr) => "demain".into(),
        (1, Lang::En) => "tomorrow".into(),
        (2..=6, _) => day_name(day.weekday(), lang).into(),
        (_, Lang::Fr) => format!("{} {}", day_name(day.weekday(), lang), day.day()),
        (_, Lang::En) => format!("{} {}", day_name(day.weekday(), lang), day.day()),
    }
}

/// A moment as said from now: "demain 19h", "tomorrow at 7pm".
pub fn moment(at: Timestamp, now: Timestamp, hours: &WeekHours, lang: Lang) -> String {
    let local = at.to_zoned(hours.tz.clone());
    let today = now.to_zoned(hours.tz.clone()).date();
    let day = relative_day(local.date(), today, lang);
    match lang {
        Lang::Fr => format!("{day} {}", time(local.time(), lang)),
        Lang::En => format!("{day} at {}", time(local.time(), lang)),
    }
}

/// When something happens, as said from now: "demain à 10h", "tomorrow at 10am".
pub fn moment_at(at: Timestamp, now: Timestamp, hours: &WeekHours, lang: Lang) -> String {
    let local = at.to_zoned(hours.tz.clone());
    let today = now.to_zoned(hours.tz.clone()).date();
    let day = relative_day(local.date(), today, lang);
    match lang {
        Lang::Fr => format!("{day} à {}", time(local.time(), lang)),
        Lang::En => format!("{day} at {}", time(local.time(), lang)),
    }
}

/// Which moment an hours question is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Now,
    Day(Date),
    Week,
}

pub fn asked_when(words: &[String], now: Timestamp, hours: &WeekHours) -> When {
    let today = now.to_zoned(hours.tz.clone()).date();
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let text = format!(" {} ", words.join(" "));
    if has(&["demain", "tomorrow"]) {
        return When::Day(today.tomorrow().unwrap_or(today));
    }
    for i in 0..7 {
        if has(&[DAYS_FR[i], &DAYS_EN[i].to_lowercase()]) {
            let wanted = Weekday::Monday.wrapping_add(i as i64);
            let ahead = (wanted.to_monday_zero_offset() as i64
                - today.weekday().to_monday_zero_offset() as i64)
                .rem_euclid(7);
            return When::Day(
                today
                    .checked_add(jiff::Span::new().days(ahead))
                    .unwrap_or(today),
            );
        }
    }
    if has(&[
        "maintenant",
        "encore",
        "actuellement",
        "now",
        "still",
        "currently",
    ]) {
        return When::Now;
    }
    if has(&["aujourd'hui", "aujourdhui", "today", "tonight"])
        || text.contains(" ce soir ")
        || text.contains(" ce midi ")
        || text.contains(" ce matin ")
    {
        return When::Day(today);
    }
    When::Week
}

/// "Aujourd'hui", "Demain", "Le dimanche" / "Today", "On Sunday": the subject of an
/// hours answer.
pub fn day_subject(day: Date, today: Date, lang: Lang) -> String {
    match ((day - today).get_days(), lang) {
        (0 | 1, _) => capitalised(&relative_day(day, today, lang)),
        (_, Lang::Fr) => format!("Le {}", day_name(day.weekday(), lang)),
        (_, Lang::En) => format!("On {}", day_name(day.weekday(), lang)),
    }
}

pub fn day_hours(hours: &WeekHours, day: Date, lang: Lang) -> Option<String> {
    let day = &hours.days[day.weekday().to_monday_zero_offset() as usize];
    (!day.is_empty()).then(|| ranges(day, lang))
}

/// Countries: ISO code, French name with the preposition a destination takes, English
/// name, and other names or cities shoppers use for it.
const PLACES: &[(&str, &str, &str, &str, &[&str])] = &[
    (
        "FR",
        "France",
        "en France",
        "France",
        &[
            "paris",
            "lyon",
            "marseille",
            "bordeaux",
            "lille",
            "nantes",
            "toulouse",
            "nice",
            "corse",
            "corsica",
        ],
    ),
    (
        "BE",
        "Belgique",
        "en Belgique",
        "Belgium",
        &[
            "bruxelles",
            "brussels",
            "liege",
            "anvers",
            "antwerp",
            "gand",
            "ghent",
        ],
    ),
    (
        "CH",
        "Suisse",
        "en Suisse",
        "Switzerland",
        &[
            "geneve", "geneva", "zurich", "lausanne", "bale", "basel", "berne", "bern",
        ],
    ),
    ("LU", "Luxembourg", "au Luxembourg", "Luxembourg", &[]),
    ("MC", "Monaco", "à Monaco", "Monaco", &[]),
    (
        "DE",
        "Allemagne",
        "en Allemagne",
        "Germany",
        &[
            "munich",
            "munchen",
            "berlin",
            "hamburg",
            "hambourg",
            "frankfurt",
            "francfort",
            "cologne",
            "koln",
            "deutschland",
        ],
    ),
    (
        "ES",
        "Espagne",
        "en Espagne",
        "Spain",
        &[
            "madrid",
            "barcelone",
            "barcelona",
            "seville",
            "valence",
            "valencia",
            "espana",
        ],
    ),
    (
        "IT",
        "Italie",
        "en Italie",
        "Italy",
        &[
            "rome", "roma", "milan", "milano", "turin", "torino", "naples", "florence", "venise",
            "venice", "italia",
        ],
    ),
    (
        "PT",
        "Portugal",
        "au Portugal",
        "Portugal",
        &["lisbonne", "lisbon", "lisboa", "porto"],
    ),
    (
        "NL",
        "Pays-Bas",
        "aux Pays-Bas",
        "the Netherlands",
        &[
            "pays bas",
            "netherlands",
            "holland",
            "hollande",
            "amsterdam",
            "rotterdam",
        ],
    ),
    (
        "GB",
        "Royaume-Uni",
        "au Royaume-Uni",
        "the United Kingdom",
        &[
            "royaume uni",
            "united kingdom",
            "uk",
            "england",
            "angleterre",
            "scotland",
            "ecosse",
            "london",
            "londres",
            "manchester",
            "great britain",
            "britain",
            "wales",
            "pays de galles",
        ],
    ),
    ("IE", "Irlande", "en Irlande", "Ireland", &["dublin"]),
    ("AT", "Autriche", "en Autriche", "Austria", &["vienna"]),
    (
        "DK",
        "Danemark",
        "au Danemark",
        "Denmark",
        &["copenhague", "copenhagen"],
    ),
    ("SE", "Suède", "en Suède", "Sweden", &["suede", "stockholm"]),
    (
        "NO",
        "Norvège",
        "en Norvège",
        "Norway",
        &["norvege", "oslo"],
    ),
    ("FI", "Finlande", "en Finlande", "Finland", &["helsinki"]),
    (
        "PL",
        "Pologne",
        "en Pologne",
        "Poland",
        &["varsovie", "warsaw"],
    ),
    (
        "GR",
        "Grèce",
        "en Grèce",
        "Greece",
        &["grece", "athenes", "athens"],
    ),
    (
        "CZ",
        "Tchéquie",
        "en Tchéquie",
        "the Czech Republic",
        &["tchequie", "czech", "prague"],
    ),
    (
        "US",
        "États-Unis",
        "aux États-Unis",
        "the United States",
        &[
            "etats unis",
            "united states",
            "usa",
            "america",
            "amerique",
            "new york",
            "los angeles",
            "miami",
        ],
    ),
    (
        "CA",
        "Canada",
        "au Canada",
        "Canada",
        &["montreal", "quebec", "toronto", "vancouver"],
    ),
    (
        "MA",
        "Maroc",
        "au Maroc",
        "Morocco",
        &["casablanca", "marrakech", "rabat"],
    ),
    (
        "DZ",
        "Algérie",
        "en Algérie",
        "Algeria",
        &["algerie", "alger", "algiers"],
    ),
    ("TN", "Tunisie", "en Tunisie", "Tunisia", &["tunis"]),
    (
        "SN",
        "Sénégal",
        "au Sénégal",
        "Senegal",
        &["senegal", "dakar"],
    ),
    ("JP", "Japon", "au Japon", "Japan", &["tokyo"]),
    (
        "CN",
        "Chine",
        "en Chine",
        "China",
        &["pekin", "beijing", "shanghai"],
    ),
    (
        "AU",
        "Australie",
        "en Australie",
        "Australia",
        &["sydney", "melbourne"],
    ),
    ("BR", "Brésil", "au Brésil", "Brazil", &["bresil"]),
];

/// The country a message names (by name in either language, or by a city), if any.
pub fn country_named(text: &str) -> Option<&'static str> {
    let spaced: String = fold(text)
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let padded = format!(
        " {} ",
        spaced.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    let has = |name: &str| {
        let name: String = fold(name)
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        padded.contains(&format!(" {} ", name.trim()))
    };
    PLACES
        .iter()
        .find(|(_, fr, _, en, others)| has(fr) || has(en) || others.iter().any(|o| has(o)))
        .map(|(code, ..)| *code)
}

/// A country's name (`to` = as a destination: "en Belgique", "to Belgium").
pub fn country(code: &str, lang: Lang, to: bool) -> String {
    let Some((_, fr, fr_to, en, _)) = PLACES.iter().find(|p| p.0 == code) else {
        return code.to_string();
    };
    match (lang, to) {
        (Lang::Fr, false) => (*fr).into(),
        (Lang::Fr, true) => (*fr_to).into(),
        (Lang::En, false) => en.trim_start_matches("the ").into(),
        (Lang::En, true) => format!("to {en}"),
    }
}

/// "France, Belgique et Suisse".
pub fn list(items: &[String], lang: Lang) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => {
            let and = match lang {
                Lang::Fr => "et",
                Lang::En => "and",
            };
            format!("{} {and} {last}", rest.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::hours::tests::demo;
    use crate::engine::text::words;
    use jiff::tz::TimeZone;

    #[test]
    fn hours_read_naturally_in_both_languages() {
        let h = demo();
        assert_eq!(
            week(&h, Lang::Fr),
            "du lundi au samedi de 10h à 19h, fermé le dimanche"
        );
        assert_eq!(
            week(&h, Lang::En),
            "Monday to Saturday from 10am to 7pm, closed on Sunday"
        );
        let split = WeekHours::from_json(
            &serde_json::json!({"mon": [["09:30", "12:30"], ["14:00", "19:00"]]}),
            TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(
            week(&split, Lang::Fr),
            "le lundi de 9h30 à 12h30 et de 14h à 19h, fermé du mardi au dimanche"
        );
    }

    #[test]
    fn the_day_a_question_means() {
        let h = demo();
        // Thursday 13 November 2025, 10:24 in Paris.
        let now: Timestamp = "2025-11-13T09:24:00Z".parse().unwrap();
        let when = |q: &str| asked_when(&words(q), now, &h);
        assert_eq!(
            when("Vous êtes ouverts le dimanche ?"),
            When::Day(jiff::civil::date(2025, 11, 16))
        );
        assert_eq!(
            when("vous êtes ouvert demain ?"),
            When::Day(jiff::civil::date(2025, 11, 14))
        );
        assert_eq!(
            when("Vous fermez à quelle heure ce soir ?"),
            When::Day(jiff::civil::date(2025, 11, 13))
        );
        assert_eq!(
            when("What time do you open on Saturday?"),
            When::Day(jiff::civil::date(2025, 11, 15))
        );
        assert_eq!(when("vous êtes encore ouverts ?"), When::Now);
        assert_eq!(when("Quels sont vos horaires ?"), When::Week);
        let held: Timestamp = "2025-11-14T18:00:00Z".parse().unwrap();
        assert_eq!(moment(held, now, &h, Lang::Fr), "demain 19h");
        assert_eq!(moment(held, now, &h, Lang::En), "tomorrow at 7pm");
    }

    #[test]
    fn countries_are_found_by_name_or_city() {
        assert_eq!(country_named("Do you ship to Belgium?"), Some("BE"));
        assert_eq!(country_named("vous livrez en Belgique ?"), Some("BE"));
        assert_eq!(country_named("do you deliver to Munich?"), Some("DE"));
        assert_eq!(country_named("livraison aux Pays-Bas ?"), Some("NL"));
        assert_eq!(country_named("do ya ship to Canada"), Some("CA"));
        assert_eq!(country_named("can you ship it to us"), None);
        assert_eq!(country("LU", Lang::Fr, true), "au Luxembourg");
        assert_eq!(country("NL", Lang::En, true), "to the Netherlands");
    }
}
