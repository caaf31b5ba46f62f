//! The dashboard's figures, from the conversations and holds as stored. Test
//! conversations (the setup wizard's) are left out of every figure.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use rusqlite::{Connection, params};

use crate::error::AppError;

/// Today's conversations, by who handles them.
#[derive(Debug, Default, PartialEq)]
pub struct Today {
    pub total: i64,
    /// Answered by the bot alone.
    pub bot: i64,
    /// Handed to the team (asked, complaint, doubt) or taken over by a teammate.
    pub handed_over: i64,
    /// Open and waiting for a human reply.
    pub waiting: i64,
}

/// One window (7 or 30 days).
#[derive(Debug, Default, PartialEq)]
pub struct Window {
    pub days: i64,
    pub conversations: i64,
    pub automated: i64,
    /// Median seconds from a shopper's first message to the first answer.
    pub median_first_response: Option<i64>,
}

impl Window {
    pub fn rate(&self) -> Option<i64> {
        (self.conversations > 0)
            .then(|| (self.automated * 100 + self.conversations / 2) / self.conversations)
    }
}

/// One day of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Day {
    pub label: String,
    pub bot: i64,
    pub handed_over: i64,
}

/// Midnight of the day `days_ago` days before `now`'s, in the shop's time zone.
pub fn day_start(now: Timestamp, tz: &TimeZone, days_ago: i64) -> Timestamp {
    let date = now.to_zoned(tz.clone()).date();
    let day = date
        .checked_sub(jiff::Span::new().days(days_ago))
        .unwrap_or(date);
    day.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(now)
}

/// Conversations that started in [from, to).
const SPLIT: &str = "SELECT count(*),
        COALESCE(sum(handoff_at IS NULL AND bot_paused = 0), 0),
        COALESCE(sum(closed_at IS NULL AND handoff_at IS NOT NULL AND bot_paused = 0), 0)
     FROM conversations WHERE test = 0 AND created_at >= ?1 AND created_at < ?2";

fn split(conn: &Connection, from: Timestamp, to: Timestamp) -> Result<(i64, i64, i64), AppError> {
    Ok(conn
        .prepare_cached(SPLIT)?
        .query_row(params![from.as_second(), to.as_second()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?)
}

pub fn today(conn: &Connection, now: Timestamp, tz: &TimeZone) -> Result<Today, AppError> {
    let (total, bot, waiting) = split(
        conn,
        day_start(now, tz, 0),
        now + jiff::SignedDuration::from_secs(1),
    )?;
    Ok(Today {
        total,
        bot,
        handed_over: total - bot,
        waiting,
    })
}

pub fn window(
    conn: &Connection,
    now: Timestamp,
    tz: &TimeZone,
    days: i64,
) -> Result<Window, AppError> {
    let from = day_start(now, tz, days - 1);
    let (conversations, automated, _) =
        split(conn, from, now + jiff::SignedDuration::from_secs(1))?;
    // Each conversation's first shopper message and the first answer after it.
    let mut waits: Vec<i64> = conn
        .prepare_cached(
            "SELECT (SELECT min(a.created_at) FROM messages a
                      WHERE a.conversation_id = c.id AND a.author <> 'shopper' AND a.created_at >= f.first)
                    - f.first
             FROM conversations c
             JOIN (SELECT conversation_id, min(created_at) AS first FROM messages
                   WHERE author = 'shopper' GROUP BY conversation_id) f ON f.conversation_id = c.id
             WHERE c.test = 0 AND c.created_at >= ?1",
        )?
        .query_map([from.as_second()], |r| r.get::<_, Option<i64>>(0))?
        .filter_map(|r| r.transpose())
        .collect::<Result<_, _>>()?;
    waits.sort_unstable();
    Ok(Window {
        days,
        conversations,
        automated,
        median_first_response: median(&waits),
    })
}

fn median(sorted: &[i64]) -> Option<i64> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// The last `days` days, oldest first, for the chart.
pub fn daily(
    conn: &Connection,
    now: Timestamp,
    tz: &TimeZone,
    days: i64,
) -> Result<Vec<Day>, AppError> {
    (0..days)
        .rev()
        .map(|ago| {
            let from = day_start(now, tz, ago);
            let to = if ago == 0 {
                now + jiff::SignedDuration::from_secs(1)
            } else {
                day_start(now, tz, ago - 1)
            };
            let (total, bot, _) = split(conn, from, to)?;
            Ok(Day {
                label: from.to_zoned(tz.clone()).strftime("%d/%m").to_string(),
                bot,
                handed_over: total - bot,
            })
        })
        .collect()
}

/// Products shoppers asked for while out of stock, over the last 30 days: (title, asks).
pub fn out_of_stock_demand(
    conn: &Connection,
    now: Timestamp,
) -> Result<Vec<(String, i64)>, AppError> {
    let since = now.as_second() - 30 * 86_400;
    let rows = conn
        .prepare_cached(
            "SELECT COALESCE((SELECT title FROM products p WHERE p.handle = m.product LIMIT 1), m.product),
                    count(*)
             FROM messages m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.author = 'bot' AND m.in_stock = 0 AND m.product IS NOT NULL
               AND c.test = 0 AND m.created_at >= ?1
             GROUP BY m.product ORDER BY count(*) DESC, 1 LIMIT 5",
        )?
        .query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A hold about to end: product, variant, end (unix seconds).
pub type Hold = (String, String, i64);

/// Active holds: how many, and the next ones to end.
pub fn holds(conn: &Connection, now: Timestamp) -> Result<(i64, Vec<Hold>), AppError> {
    let count = conn.query_row(
        "SELECT count(*) FROM reservations WHERE status = 'active' AND expires_at > ?1",
        [now.as_second()],
        |r| r.get(0),
    )?;
    let next = conn
        .prepare_cached(
            "SELECT product_title, variant_title, expires_at FROM reservations
             WHERE status = 'active' AND expires_at > ?1 ORDER BY expires_at LIMIT 5",
        )?
        .query_map([now.as_second()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok((count, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_even_and_empty_lists() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[0, 4, 90]), Some(4));
        assert_eq!(median(&[0, 4, 10, 90]), Some(7));
    }

    #[test]
    fn days_start_at_midnight_in_the_shop_time_zone() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        let now: Timestamp = "2026-11-22T08:30:00Z".parse().unwrap();
        assert_eq!(day_start(now, &tz, 0).to_string(), "2026-11-21T23:00:00Z");
        assert_eq!(day_start(now, &tz, 1).to_string(), "2026-11-20T23:00:00Z");
    }

    #[test]
    fn rates_round_and_need_conversations() {
        let w = Window {
            days: 7,
            conversations: 3,
            automated: 2,
            median_first_response: None,
        };
        assert_eq!(w.rate(), Some(67));
        assert_eq!(Window::default().rate(), None);
    }
}
