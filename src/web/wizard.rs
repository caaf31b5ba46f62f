//! The setup wizard as the features see it. Two of its steps show a feature's own forms
//! (the channels' cards, the store connect forms): a form sent from the wizard that has
//! a mistake is shown again inside the wizard, and one that succeeds moves it on. The
//! wizard registers itself here at start-up (`AppState::wizard`), so the features
//! render into a frame they are given and never import the wizard.

use std::future::Future;
use std::pin::Pin;

use actix_web::HttpResponse;
use maud::Markup;
use rusqlite::Connection;

use crate::error::AppError;
use crate::web::AppState;
use crate::web::auth::Staff;

/// The wizard's steps that show another feature's forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Channels,
    Store,
}

pub type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, AppError>> + 'a>>;

pub trait Wizard: Send + Sync {
    /// `body` (the feature's forms) framed as the wizard's step.
    fn page<'a>(
        &'a self,
        state: &'a AppState,
        staff: &'a Staff,
        part: Part,
        body: Markup,
    ) -> Boxed<'a, Markup>;

    /// Where the browser goes once a form of `part` sent from the wizard is saved; the
    /// wizard records the step as done when that ends it.
    fn saved<'a>(&'a self, state: &'a AppState, part: Part) -> Boxed<'a, HttpResponse>;

    /// The step's address.
    fn path(&self, part: Part) -> String;

    /// Whether an admin who just logged in should be taken back to the wizard.
    fn unfinished(&self, conn: &Connection) -> Result<bool, AppError>;
}
