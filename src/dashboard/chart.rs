//! A small stacked bar chart drawn as SVG on the server: conversations per day, handled
//! by the bot or handed to the team. No script, no chart library.

use maud::{Markup, html};

use super::stats::Day;

const WIDTH: i64 = 560;
const HEIGHT: i64 = 140;
const TOP: i64 = 10;
const BOTTOM: i64 = 20;

pub fn conversations(days: &[Day]) -> Markup {
    let max = days
        .iter()
        .map(|d| d.bot + d.handed_over)
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = WIDTH / (days.len().max(1) as i64);
    let bar = (slot * 2 / 3).max(2);
    let plot = HEIGHT - TOP - BOTTOM;
    let scale = |n: i64| n * plot / max;
    let total: i64 = days.iter().map(|d| d.bot + d.handed_over).sum();
    let summary = format!(
        "Conversations par jour sur {} jours : {} au total, dont {} traitées par l'assistant.",
        days.len(),
        total,
        days.iter().map(|d| d.bot).sum::<i64>()
    );
    html! {
        figure.chart {
            svg viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(summary) {
                title { (summary) }
                line.axis x1="0" y1=(HEIGHT - BOTTOM) x2=(WIDTH) y2=(HEIGHT - BOTTOM) {}
                @for (i, d) in days.iter().enumerate() {
                    @let x = i as i64 * slot + (slot - bar) / 2;
                    @let bot_h = scale(d.bot);
                    @let team_h = scale(d.handed_over);
                    @let base = HEIGHT - BOTTOM;
                    rect.bot x=(x) y=(base - bot_h) width=(bar) height=(bot_h) {
                        title { (d.label) " : " (d.bot) " par l'assistant" }
                    }
                    rect.team x=(x) y=(base - bot_h - team_h) width=(bar) height=(team_h) {
                        title { (d.label) " : " (d.handed_over) " par l'équipe" }
                    }
                    @if i % 2 == 0 || days.len() <= 7 {
                        text x=(x + bar / 2) y=(HEIGHT - 5) text-anchor="middle" { (d.label) }
                    }
                }
            }
            figcaption {
                span.key.bot { "■" } " Assistant  "
                span.key.team { "■" } " Équipe"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_busiest_day() {
        let days = vec![
            Day {
                label: "20/11".into(),
                bot: 2,
                handed_over: 0,
            },
            Day {
                label: "21/11".into(),
                bot: 1,
                handed_over: 1,
            },
        ];
        let svg = conversations(&days).into_string();
        // The busiest day (2) fills the plot: 140 - 10 - 20 = 110 pixels.
        assert!(svg.contains(r#"height="110""#), "{svg}");
        assert!(svg.contains(r#"height="55""#), "{svg}");
        assert!(svg.contains("4 au total, dont 3"), "{svg}");
    }
}
