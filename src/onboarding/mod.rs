//! The setup wizard (`/onboarding`): from the account just created to a first answered
//! test conversation, in ten steps. Each step saves when the shop continues, optional
//! ones can be passed over, and the wizard resumes where it was left. Every choice made
//! here stays editable in Paramètres: the steps reuse the settings' own forms.

pub mod repo;
mod steps;
mod summary;
mod test_chat;

use crate::web::respond;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};

use crate::db;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::csrf_input;
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::wizard::{Boxed, Part, Wizard};
use crate::web::{AppState, paths};

pub use repo::Progress;

/// The wizard as the features' forms see it (`web::wizard`): registered at start-up.
pub struct Frame;

impl Frame {
    fn step(part: Part) -> Step {
        match part {
            Part::Channels => Step::Channels,
            Part::Store => Step::Store,
        }
    }
}

impl Wizard for Frame {
    fn page<'a>(
        &'a self,
        state: &'a AppState,
        staff: &'a Staff,
        part: Part,
        body: Markup,
    ) -> Boxed<'a, Markup> {
        Box::pin(async move {
            let body = match part {
                Part::Store => steps::store_step_body(staff, body),
                Part::Channels => body,
            };
            steps::step_page(state, staff, Self::step(part), body).await
        })
    }

    fn saved<'a>(&'a self, state: &'a AppState, part: Part) -> Boxed<'a, HttpResponse> {
        Box::pin(async move {
            match part {
                Part::Store => advance(state, Step::Store, false, Step::Sync).await,
                Part::Channels => Ok(respond::redirect(format!("{}?ok=1", Step::Channels.path()))),
            }
        })
    }

    fn path(&self, part: Part) -> String {
        Self::step(part).path()
    }

    fn unfinished(&self, conn: &rusqlite::Connection) -> Result<bool, AppError> {
        unfinished(conn)
    }
}

mod text {
    pub const TITLE: &str = "Configuration de Comptoir";
    pub const PROGRESS: &str = "Progression";
    pub const BACK: &str = "← Retour";
    pub const CONTINUE: &str = "Continuer →";
    pub const SKIP: &str = "⏭️ Passer";
    pub const OPTIONAL: &str = "facultatif";
    pub const LATER: &str = "Chaque choix reste modifiable ensuite dans Paramètres.";
    pub const STEPS: &str = "Étapes";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Account = 1,
    Business,
    Profile,
    Channels,
    Store,
    Sync,
    Connections,
    /// Before the test, so the test answers in the tone and with the holds chosen.
    Preferences,
    Test,
    Done,
}

impl Step {
    pub const ALL: [Step; 10] = [
        Step::Account,
        Step::Business,
        Step::Profile,
        Step::Channels,
        Step::Store,
        Step::Sync,
        Step::Connections,
        Step::Preferences,
        Step::Test,
        Step::Done,
    ];

    pub fn number(self) -> i64 {
        self as i64
    }

    pub fn from_number(n: i64) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.number() == n)
    }

    pub fn slug(self) -> &'static str {
        match self {
            Step::Account => "compte",
            Step::Business => "activite",
            Step::Profile => "profil",
            Step::Channels => "canaux",
            Step::Store => "boutique",
            Step::Sync => "synchronisation",
            Step::Connections => "connexions",
            Step::Test => "test",
            Step::Preferences => "preferences",
            Step::Done => "termine",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            Step::Account => "Compte créé",
            Step::Business => "Type d'activité",
            Step::Profile => "Profil entreprise",
            Step::Channels => "Canaux",
            Step::Store => "Connexion boutique 🔌",
            Step::Sync => "Synchronisation",
            Step::Connections => "Connexions optionnelles",
            Step::Test => "Test de conversation",
            Step::Preferences => "Préférences de l'IA",
            Step::Done => "Terminé",
        }
    }

    /// Steps the shop may pass over ("⏭️ Passer").
    pub fn optional(self) -> bool {
        matches!(self, Step::Channels | Step::Connections | Step::Test)
    }

    pub fn path(self) -> String {
        paths::with_id(paths::ONBOARDING_STEP, self.slug())
    }

    fn next(self) -> Step {
        Step::from_number(self.number() + 1).unwrap_or(Step::Done)
    }

    fn previous(self) -> Option<Step> {
        Step::from_number(self.number() - 1)
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::ONBOARDING, web::get().to(resume))
        .route(
            paths::ONBOARDING_SYNC_STATUS,
            web::get().to(summary::sync_status),
        )
        .route(
            paths::ONBOARDING_TEST_MESSAGE,
            web::post().to(test_chat::send),
        )
        .route(paths::ONBOARDING_STEP, web::get().to(show))
        .route(paths::ONBOARDING_STEP, web::post().to(steps::save))
        .route(paths::ONBOARDING_SKIP, web::post().to(skip));
}

/// Whether an admin arriving on the dashboard should be taken to the wizard instead.
pub fn unfinished(conn: &rusqlite::Connection) -> Result<bool, AppError> {
    Ok(!repo::load(conn)?.finished)
}

pub async fn progress(state: &AppState) -> Result<Progress, AppError> {
    db::call(&state.db, |conn| repo::load(conn)).await
}

/// Records that `done` was completed (or skipped) and sends the browser to `to`.
pub(crate) async fn advance(
    state: &AppState,
    done: Step,
    skipped: bool,
    to: Step,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| repo::advance(tx, done, skipped, to, now))
    })
    .await?;
    Ok(respond::redirect(to.path()))
}

/// The step after `step`, passing over the sync when the shop has no online store.
fn following(step: Step, p: &Progress) -> Step {
    match step.next() {
        Step::Sync if p.no_store => Step::Connections,
        next => next,
    }
}

fn bar(step: Step) -> String {
    let n = step.number() as usize;
    format!("{}{}", "▓".repeat(n), "░".repeat(10 - n))
}

/// The wizard's frame around a step: progress, checklist, the step, and its buttons
/// (`nav` false when the step's body brings its own).
pub(crate) fn frame(staff: &Staff, p: &Progress, step: Step, body: Markup, nav: bool) -> Markup {
    let content = html! {
        div.wizard {
            div.wizard-progress {
                p { (text::PROGRESS) " " span.bar aria-hidden="true" { (bar(step)) } " " (step.number()) "/10" }
                progress max="10" value=(step.number()) aria-label=(text::PROGRESS) {}
            }
            nav.wizard-steps aria-label=(text::STEPS) {
                ol {
                    @for s in Step::ALL {
                        @let mark = if p.skipped.contains(&s) { "⏭️" } else if s < p.reached || p.finished { "✅" } else if s == step { "👉" } else { "○" };
                        li.current[s == step] {
                            span aria-hidden="true" { (mark) " " }
                            @if s <= p.reached && s != Step::Account {
                                a href=(s.path()) aria-current=[(s == step).then_some("step")] { (s.number()) " " (s.label()) }
                            } @else {
                                span { (s.number()) " " (s.label()) }
                            }
                            @if s.optional() { " " small.muted { "(" (text::OPTIONAL) ")" } }
                        }
                    }
                }
            }
            section.card.wizard-body {
                h2 { (step.number()) ". " (step.label()) }
                (body)
                @if nav { (buttons(staff, p, step)) }
                p.muted.small { (text::LATER) }
            }
        }
    };
    layout::page(staff, Nav::Dashboard, text::TITLE, content)
}

/// ← Retour, ⏭️ Passer (optional steps), Continuer → (saves the step: a form of its own
/// for steps whose settings forms save themselves).
pub(crate) fn buttons(staff: &Staff, p: &Progress, step: Step) -> Markup {
    html! {
        div.wizard-nav {
            (back(step, p))
            @if step.optional() {
                form method="post" action=(paths::with_id(paths::ONBOARDING_SKIP, step.slug())) {
                    (csrf_input(&staff.csrf))
                    button.btn type="submit" { (text::SKIP) }
                }
            }
            form method="post" action=(step.path()) {
                (csrf_input(&staff.csrf))
                button.btn.primary type="submit" { (text::CONTINUE) }
            }
        }
    }
}

pub(crate) fn back(step: Step, p: &Progress) -> Markup {
    let previous = match step.previous() {
        Some(Step::Sync) if p.no_store => Some(Step::Store),
        other => other,
    };
    html! {
        @if let Some(prev) = previous.filter(|s| *s != Step::Account) {
            a.btn href=(prev.path()) { (text::BACK) }
        }
    }
}

/// The Continuer button inside a step's own form.
pub(crate) fn submit_row(step: Step, p: &Progress) -> Markup {
    html! {
        div.wizard-nav {
            (back(step, p))
            button.btn.primary type="submit" { (text::CONTINUE) }
        }
    }
}

async fn resume(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let p = progress(&state).await?;
    Ok(respond::redirect(p.reached.path()))
}

async fn show(
    state: web::Data<AppState>,
    staff: Staff,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let step = Step::from_slug(&path.into_inner()).ok_or(AppError::NotFound)?;
    let p = progress(&state).await?;
    // Steps ahead of the furthest reached are not open yet.
    if step > p.reached && !p.finished {
        return Ok(respond::redirect(p.reached.path()));
    }
    if step == Step::Account {
        return Ok(respond::redirect(Step::Business.path()));
    }
    let saved = req.query_string().contains("ok=");
    let page = steps::page(&state, &staff, &p, step, saved).await?;
    Ok(respond::html(StatusCode::OK, page))
}

async fn skip(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    crate::web::csrf::CsrfForm(_): crate::web::csrf::CsrfForm<crate::web::csrf::NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let step = Step::from_slug(&path.into_inner()).ok_or(AppError::NotFound)?;
    if !step.optional() {
        return Err(AppError::BadRequest(
            "Cette étape ne peut pas être passée : remplissez-la puis continuez.".into(),
        ));
    }
    let p = progress(&state).await?;
    advance(&state, step, true, following(step, &p)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_have_one_number_and_one_slug_each() {
        for (i, s) in Step::ALL.iter().enumerate() {
            assert_eq!(s.number(), i as i64 + 1);
            assert_eq!(Step::from_slug(s.slug()), Some(*s));
            assert_eq!(Step::from_number(s.number()), Some(*s));
        }
        assert_eq!(Step::from_number(11), None);
        assert_eq!(bar(Step::Profile), "▓▓▓░░░░░░░");
    }

    #[test]
    fn without_an_online_store_the_sync_is_passed_over() {
        let mut p = Progress {
            reached: Step::Store,
            skipped: Vec::new(),
            no_store: false,
            finished: false,
        };
        assert_eq!(following(Step::Store, &p), Step::Sync);
        p.no_store = true;
        assert_eq!(following(Step::Store, &p), Step::Connections);
    }
}
