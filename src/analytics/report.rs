//! The figures of the reports, from the conversations' rows of facts: a period of local
//! days in the shop's time zone, filters, and what is counted. The pages and their CSV
//! exports both print these, so a file always says what the page says.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rusqlite::{Connection, params_from_iter};

use crate::error::AppError;

/// The longest period a report covers.
pub const MAX_DAYS: i64 = 366;

/// A period of whole local days, `from` to `to` included.
#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub preset: String,
    pub from: Date,
    pub to: Date,
    pub start: Timestamp,
    pub end: Timestamp,
}

fn day_start(d: Date, tz: &TimeZone) -> Timestamp {
    d.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

impl Period {
    /// From a preset (today, 7d, 30d, month) or custom dates; a sentence when wrong.
    pub fn parse(
        preset: &str,
        from: &str,
        to: &str,
        now: Timestamp,
        tz: &TimeZone,
    ) -> Result<Period, String> {
        let today = now.to_zoned(tz.clone()).date();
        let back = |days: i64| today.checked_sub((days - 1).days()).unwrap_or(today);
        let (preset, from, to) = match preset {
            "" | "30d" => ("30d", back(30), today),
            "today" => ("today", today, today),
            "7d" => ("7d", back(7), today),
            "month" => ("month", today.first_of_month(), today),
            "custom" => {
                let parse = |s: &str, what: &str| {
                    s.trim()
                        .parse::<Date>()
                        .map_err(|_| format!("{what} : choisissez une date (jj/mm/aaaa)."))
                };
                let from = parse(from, "Du")?;
                let to = parse(to, "Au")?;
                if from > to {
                    return Err("La date de début doit précéder la date de fin.".into());
                }
                if i64::from((to - from).get_days()) >= MAX_DAYS {
                    return Err("Choisissez une période d'un an au plus.".into());
                }
                ("custom", from, to)
            }
            _ => return Err("Période inconnue.".into()),
        };
        let end = to.tomorrow().unwrap_or(to);
        Ok(Period {
            preset: preset.to_string(),
            from,
            to,
            start: day_start(from, tz),
            end: day_start(end, tz),
        })
    }

    /// Every local day of the period.
    pub fn days(&self) -> Vec<Date> {
        let mut out = Vec::new();
        let mut d = self.from;
        while d <= self.to {
            out.push(d);
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
        out
    }
}

/// What the shop narrows a report to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    pub channel: Option<String>,
    pub department: Option<i64>,
    pub member: Option<i64>,
    pub intent: Option<String>,
}

/// One conversation's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub id: i64,
    pub started_at: i64,
    pub channel: String,
    pub contact: String,
    pub first_intent: Option<String>,
    pub department: Option<i64>,
    pub assignee: Option<i64>,
    pub messages_in: i64,
    pub bot_replies: i64,
    pub team_replies: i64,
    pub handed_over: bool,
    pub handoff_reason: Option<String>,
    pub first_bot_secs: Option<i64>,
    pub first_team_secs: Option<i64>,
    pub closed_at: Option<i64>,
    pub resolution_secs: Option<i64>,
    pub csat: Option<i64>,
    pub holds: i64,
    pub holds_fulfilled: i64,
    pub fulfilled_cents: i64,
    /// The bot's replies by intent (see `conversation_facts.replies`), as stored.
    pub replies: String,
    /// The products they were about (see `conversation_facts.products`), as stored.
    pub products: String,
}

impl Fact {
    /// Answered without the team.
    pub fn automated(&self) -> bool {
        !self.handed_over && self.team_replies == 0
    }
}

/// The period's conversations that pass the filters, oldest first.
pub fn facts(conn: &Connection, p: &Period, f: &Filters) -> Result<Vec<Fact>, AppError> {
    let mut sql = String::from(
        "SELECT conversation_id, started_at, channel, contact, first_intent, department_id,
                assignee_id, messages_in, bot_replies, team_replies, handed_over, handoff_reason,
                first_bot_secs, first_team_secs, closed_at, resolution_secs, csat, holds,
                holds_fulfilled, fulfilled_cents, replies, products
         FROM conversation_facts
         WHERE test = 0 AND started_at >= ?1 AND started_at < ?2",
    );
    let mut args: Vec<rusqlite::types::Value> =
        vec![p.start.as_second().into(), p.end.as_second().into()];
    if let Some(c) = &f.channel {
        args.push(c.clone().into());
        sql.push_str(&format!(" AND channel = ?{}", args.len()));
    }
    if let Some(d) = f.department {
        args.push(d.into());
        sql.push_str(&format!(" AND department_id = ?{}", args.len()));
    }
    if let Some(m) = f.member {
        args.push(m.into());
        sql.push_str(&format!(" AND assignee_id = ?{}", args.len()));
    }
    if let Some(i) = &f.intent {
        args.push(i.clone().into());
        sql.push_str(&format!(" AND first_intent = ?{}", args.len()));
    }
    sql.push_str(" ORDER BY started_at, conversation_id");
    let rows = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), |r| {
            Ok(Fact {
                id: r.get(0)?,
                started_at: r.get(1)?,
                channel: r.get(2)?,
                contact: r.get(3)?,
                first_intent: r.get(4)?,
                department: r.get(5)?,
                assignee: r.get(6)?,
                messages_in: r.get(7)?,
                bot_replies: r.get(8)?,
                team_replies: r.get(9)?,
                handed_over: r.get(10)?,
                handoff_reason: r.get(11)?,
                first_bot_secs: r.get(12)?,
                first_team_secs: r.get(13)?,
                closed_at: r.get(14)?,
                resolution_secs: r.get(15)?,
                csat: r.get(16)?,
                holds: r.get(17)?,
                holds_fulfilled: r.get(18)?,
                fulfilled_cents: r.get(19)?,
                replies: r.get(20)?,
                products: r.get(21)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Median and 90th percentile (nearest rank) of durations, with how many there were.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spread {
    pub count: usize,
    pub median: Option<i64>,
    pub p90: Option<i64>,
    pub mean: Option<i64>,
}

pub fn spread(mut values: Vec<i64>) -> Spread {
    if values.is_empty() {
        return Spread::default();
    }
    values.sort_unstable();
    let rank = |q: f64| {
        let r = (q * values.len() as f64).ceil() as usize;
        values[r.clamp(1, values.len()) - 1]
    };
    let sum: i64 = values.iter().sum();
    Spread {
        count: values.len(),
        median: Some(rank(0.5)),
        p90: Some(rank(0.9)),
        mean: Some(sum / values.len() as i64),
    }
}

/// A selection of conversations a number stands for (the page lists them).
#[derive(Debug, Clone, PartialEq)]
pub enum Which {
    All,
    Automated,
    HandedOver,
    Reason(String),
    Csat(i64),
    /// Weekday (0 = Monday) and hour, local.
    Hour(i64, i64),
    Day(Date),
    Intent(String),
    Member(i64),
    Department(i64),
    Holds,
    Sold,
    /// The bot answered about this product (handle).
    Product(String),
}

impl Which {
    pub fn parse(text: &str) -> Option<Which> {
        let (kind, value) = text.split_once(':').unwrap_or((text, ""));
        Some(match kind {
            "" | "all" => Which::All,
            "automated" => Which::Automated,
            "handed_over" => Which::HandedOver,
            "reason" => Which::Reason(value.to_string()),
            "csat" => Which::Csat(value.parse().ok()?),
            "hour" => {
                let (d, h) = value.split_once('-')?;
                Which::Hour(d.parse().ok()?, h.parse().ok()?)
            }
            "day" => Which::Day(value.parse().ok()?),
            "intent" => Which::Intent(value.to_string()),
            "member" => Which::Member(value.parse().ok()?),
            "department" => Which::Department(value.parse().ok()?),
            "holds" => Which::Holds,
            "sold" => Which::Sold,
            "product" => Which::Product(value.to_string()),
            _ => return None,
        })
    }

    pub fn code(&self) -> String {
        match self {
            Which::All => "all".into(),
            Which::Automated => "automated".into(),
            Which::HandedOver => "handed_over".into(),
            Which::Reason(r) => format!("reason:{r}"),
            Which::Csat(n) => format!("csat:{n}"),
            Which::Hour(d, h) => format!("hour:{d}-{h}"),
            Which::Day(d) => format!("day:{d}"),
            Which::Intent(i) => format!("intent:{i}"),
            Which::Member(m) => format!("member:{m}"),
            Which::Department(d) => format!("department:{d}"),
            Which::Holds => "holds".into(),
            Which::Sold => "sold".into(),
            Which::Product(h) => format!("product:{h}"),
        }
    }

    pub fn matches(&self, f: &Fact, tz: &TimeZone) -> bool {
        let local = || {
            Timestamp::from_second(f.started_at)
                .unwrap_or(Timestamp::UNIX_EPOCH)
                .to_zoned(tz.clone())
        };
        match self {
            Which::All => true,
            Which::Automated => f.automated(),
            Which::HandedOver => !f.automated(),
            Which::Reason(r) => f.handoff_reason.as_deref() == Some(r.as_str()),
            Which::Csat(n) => f.csat == Some(*n),
            Which::Hour(d, h) => {
                let z = local();
                i64::from(z.weekday().to_monday_zero_offset()) == *d && i64::from(z.hour()) == *h
            }
            Which::Day(d) => local().date() == *d,
            Which::Intent(i) => f.first_intent.as_deref() == Some(i.as_str()),
            Which::Member(m) => f.assignee == Some(*m),
            Which::Department(d) => f.department == Some(*d),
            Which::Holds => f.holds > 0,
            Which::Sold => f.holds_fulfilled > 0,
            Which::Product(h) => f.products.contains(&format!("\"{h}\":")),
        }
    }
}

/// The overview's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overview {
    pub conversations: i64,
    pub messages_in: i64,
    pub messages_out: i64,
    pub automated: i64,
    pub handed_over: i64,
    /// Handovers by reason (intent code), most first.
    pub reasons: Vec<(String, i64)>,
    pub bot_first: Spread,
    pub team_first: Spread,
    pub resolution: Spread,
    /// Ratings 1 to 5, counted.
    pub csat: [i64; 5],
    /// Conversations by local weekday (0 = Monday) and hour.
    pub heatmap: [[i64; 24]; 7],
    /// Per local day: answered by the assistant alone, handed over.
    pub days: Vec<(Date, i64, i64)>,
}

impl Overview {
    /// Automation rate in percent, rounded.
    pub fn automation(&self) -> Option<i64> {
        (self.conversations > 0)
            .then(|| (self.automated * 100 + self.conversations / 2) / self.conversations)
    }

    pub fn csat_count(&self) -> i64 {
        self.csat.iter().sum()
    }

    /// The average rating, to one decimal (as tenths).
    pub fn csat_average_tenths(&self) -> Option<i64> {
        let n = self.csat_count();
        let total: i64 = self
            .csat
            .iter()
            .enumerate()
            .map(|(i, c)| (i as i64 + 1) * c)
            .sum();
        (n > 0).then(|| (total * 10 + n / 2) / n)
    }
}

pub fn overview(facts: &[Fact], p: &Period, tz: &TimeZone) -> Overview {
    let mut o = Overview {
        days: p.days().into_iter().map(|d| (d, 0, 0)).collect(),
        ..Overview::default()
    };
    let mut reasons: Vec<(String, i64)> = Vec::new();
    let (mut bot, mut team, mut resolution) = (Vec::new(), Vec::new(), Vec::new());
    for f in facts {
        o.conversations += 1;
        o.messages_in += f.messages_in;
        o.messages_out += f.bot_replies + f.team_replies;
        let local = Timestamp::from_second(f.started_at)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(tz.clone());
        o.heatmap[local.weekday().to_monday_zero_offset() as usize][local.hour() as usize] += 1;
        let day = o.days.iter_mut().find(|(d, ..)| *d == local.date());
        if f.automated() {
            o.automated += 1;
            if let Some(d) = day {
                d.1 += 1;
            }
        } else {
            o.handed_over += 1;
            if let Some(d) = day {
                d.2 += 1;
            }
            let reason = f
                .handoff_reason
                .clone()
                .unwrap_or_else(|| "taken_over".into());
            match reasons.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, n)) => *n += 1,
                None => reasons.push((reason, 1)),
            }
        }
        bot.extend(f.first_bot_secs);
        team.extend(f.first_team_secs);
        resolution.extend(f.resolution_secs);
        if let Some(score) = f.csat.filter(|s| (1..=5).contains(s)) {
            o.csat[(score - 1) as usize] += 1;
        }
    }
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    o.reasons = reasons;
    o.bot_first = spread(bot);
    o.team_first = spread(team);
    o.resolution = spread(resolution);
    o
}

/// One row of a per-key table (an intent, a member, a department, a channel).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    pub key: String,
    pub conversations: i64,
    pub automated: i64,
    pub handed_over: i64,
    pub first_team: Spread,
    pub resolution: Spread,
    pub resolved: i64,
    pub csat: Spread,
    pub holds: i64,
    pub sold_cents: i64,
}

/// The facts grouped by `key`, most conversations first.
pub fn rows_by(facts: &[Fact], key: impl Fn(&Fact) -> Option<String>) -> Vec<Row> {
    let mut groups: Vec<(String, Vec<&Fact>)> = Vec::new();
    for f in facts {
        let Some(k) = key(f) else { continue };
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, list)) => list.push(f),
            None => groups.push((k, vec![f])),
        }
    }
    let mut rows: Vec<Row> = groups
        .into_iter()
        .map(|(key, list)| Row {
            key,
            conversations: list.len() as i64,
            automated: list.iter().filter(|f| f.automated()).count() as i64,
            handed_over: list.iter().filter(|f| !f.automated()).count() as i64,
            first_team: spread(list.iter().filter_map(|f| f.first_team_secs).collect()),
            resolution: spread(list.iter().filter_map(|f| f.resolution_secs).collect()),
            resolved: list.iter().filter(|f| f.closed_at.is_some()).count() as i64,
            csat: spread(list.iter().filter_map(|f| f.csat).collect()),
            holds: list.iter().map(|f| f.holds).sum(),
            sold_cents: list.iter().map(|f| f.fulfilled_cents).sum(),
        })
        .collect();
    rows.sort_by(|a, b| {
        b.conversations
            .cmp(&a.conversations)
            .then(a.key.cmp(&b.key))
    });
    rows
}

/// The bot's replies of these conversations by intent: replies, taken over by the
/// team, and by confidence (< 50 %, 50–80 %, ≥ 80 %).
pub fn replies_by_intent(facts: &[Fact]) -> std::collections::BTreeMap<String, [i64; 5]> {
    let mut out: std::collections::BTreeMap<String, [i64; 5]> = Default::default();
    for f in facts {
        let one: std::collections::BTreeMap<String, [i64; 5]> =
            serde_json::from_str(&f.replies).unwrap_or_default();
        for (intent, n) in one {
            let slot = out.entry(intent).or_default();
            for i in 0..5 {
                slot[i] += n[i];
            }
        }
    }
    out
}

/// The products the bot's replies were about: (handle, replies, of which out of stock),
/// most asked first.
pub fn products_asked(facts: &[Fact]) -> Vec<(String, i64, i64)> {
    let mut all: std::collections::BTreeMap<String, [i64; 2]> = Default::default();
    for f in facts {
        let one: std::collections::BTreeMap<String, [i64; 2]> =
            serde_json::from_str(&f.products).unwrap_or_default();
        for (handle, n) in one {
            let slot = all.entry(handle).or_default();
            slot[0] += n[0];
            slot[1] += n[1];
        }
    }
    let mut out: Vec<(String, i64, i64)> = all.into_iter().map(|(h, n)| (h, n[0], n[1])).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(id: i64, at: &str) -> Fact {
        Fact {
            id,
            started_at: at.parse::<Timestamp>().unwrap().as_second(),
            channel: "sms".into(),
            contact: format!("+336000000{id:02}"),
            first_intent: Some("product_availability".into()),
            department: None,
            assignee: None,
            messages_in: 2,
            bot_replies: 2,
            team_replies: 0,
            handed_over: false,
            handoff_reason: None,
            first_bot_secs: Some(1),
            first_team_secs: None,
            closed_at: None,
            resolution_secs: None,
            csat: None,
            holds: 0,
            holds_fulfilled: 0,
            fulfilled_cents: 0,
            replies: "{}".into(),
            products: "{}".into(),
        }
    }

    #[test]
    fn medians_and_percentiles_are_by_rank() {
        let s = spread(vec![30, 10, 20, 40, 1000]);
        assert_eq!((s.median, s.p90, s.count), (Some(30), Some(1000), 5));
        let s = spread(vec![10, 20, 30, 40]);
        assert_eq!((s.median, s.p90), (Some(20), Some(40)));
        assert_eq!(spread(vec![]).median, None);
    }

    #[test]
    fn days_are_the_shops_across_midnight_and_daylight_saving() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        // Sunday 29 March 2026 has 23 hours in Paris.
        let now: Timestamp = "2026-03-30T10:00:00Z".parse().unwrap();
        let p = Period::parse("custom", "2026-03-29", "2026-03-29", now, &tz).unwrap();
        assert_eq!(
            p.start,
            "2026-03-28T23:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(p.end, "2026-03-29T22:00:00Z".parse::<Timestamp>().unwrap());
        let facts = [
            fact(1, "2026-03-28T22:59:59Z"), // Saturday 23:59:59 in Paris: outside
            fact(2, "2026-03-28T23:00:00Z"), // Sunday 00:00 in Paris
            fact(3, "2026-03-29T21:59:59Z"), // Sunday 23:59:59 (summer time)
            fact(4, "2026-03-29T22:00:00Z"), // Monday 00:00: outside
        ];
        let inside: Vec<&Fact> = facts
            .iter()
            .filter(|f| f.started_at >= p.start.as_second() && f.started_at < p.end.as_second())
            .collect();
        assert_eq!(inside.iter().map(|f| f.id).collect::<Vec<_>>(), [2, 3]);
        let o = overview(&facts[1..3], &p, &tz);
        assert_eq!(o.days, vec![(p.from, 2, 0)]);
        assert_eq!(o.heatmap[6][0], 1);
        assert_eq!(o.heatmap[6][23], 1);
        assert!(Period::parse("custom", "2026-03-30", "2026-03-29", now, &tz).is_err());
        assert!(Period::parse("custom", "2025-01-01", "2026-03-29", now, &tz).is_err());
        assert_eq!(
            Period::parse("month", "", "", now, &tz).unwrap().from,
            jiff::civil::date(2026, 3, 1)
        );
    }

    #[test]
    fn automation_counts_what_the_team_never_touched() {
        let tz = TimeZone::UTC;
        let now: Timestamp = "2026-11-12T12:00:00Z".parse().unwrap();
        let p = Period::parse("today", "", "", now, &tz).unwrap();
        let mut facts: Vec<Fact> = (1..=4).map(|i| fact(i, "2026-11-12T09:00:00Z")).collect();
        facts[1].handed_over = true;
        facts[1].handoff_reason = Some("complaint".into());
        facts[2].team_replies = 1;
        facts[2].first_team_secs = Some(120);
        facts[3].csat = Some(5);
        let o = overview(&facts, &p, &tz);
        assert_eq!(
            (o.automated, o.handed_over, o.automation()),
            (2, 2, Some(50))
        );
        assert_eq!(
            o.reasons,
            vec![("complaint".to_string(), 1), ("taken_over".to_string(), 1)]
        );
        assert_eq!(o.team_first.median, Some(120));
        assert_eq!((o.csat_count(), o.csat_average_tenths()), (1, Some(50)));
    }
}
