//! First run, login, rate limit, CSRF, roles, logout, sessions, login links.

use crate::common::{OWNER_EMAIL, OWNER_PASSWORD, TestApp};

#[test]
fn first_run_leads_to_setup_and_creates_the_owner() {
    let app = TestApp::spawn();
    let c = app.client();
    for path in ["/", "/inbox", "/settings", "/login"] {
        let r = c.get(path);
        assert_eq!((r.status, r.location()), (303, "/setup"), "{path}");
    }

    // Bad input is explained next to each field and creates nothing.
    let csrf = c.get("/setup").csrf();
    let r = c.post(
        "/setup",
        &[
            ("_csrf", &csrf),
            ("email", "not-an-email"),
            ("password", "short"),
            ("business_name", "  "),
            ("business_type", "ecommerce"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("adresse e-mail valide"), "{}", r.body);
    assert!(r.body.contains("au moins 10 caractères"));
    assert!(r.body.contains("nom de votre commerce"));
    assert!(r.body.contains("value=\"not-an-email\""), "input kept");
    // A name far too long is told its limit, not that it is missing.
    let long = "É".repeat(5000);
    let r = c.post(
        "/setup",
        &[
            ("_csrf", &csrf),
            ("email", "owner@elegance.test"),
            ("password", "a-long-enough-password"),
            ("business_name", &long),
            ("business_type", "ecommerce"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("120 caractères au plus"), "{}", r.body);
    assert_eq!(c.get("/").location(), "/setup", "still no account");

    let owner = app.setup_owner();
    let home = owner.get("/");
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Élégance Paris"));
    assert!(home.body.contains("Administrateur"));
    // Setup is closed once an account exists.
    assert_eq!(app.client().get("/setup").location(), "/login");
    assert_eq!(app.client().get("/").location(), "/login?next=%2F");
}

#[test]
fn login_wrong_password_and_unknown_account_get_the_same_answer() {
    let app = TestApp::spawn();
    app.setup_owner();
    let c = app.client();
    for (email, password) in [
        (OWNER_EMAIL, "wrong-password!"),
        ("nobody@elegance.test", OWNER_PASSWORD),
    ] {
        let r = c.login(email, password);
        assert_eq!(r.status, 401, "{email}");
        assert!(r.body.contains("E-mail ou mot de passe incorrect."));
    }
    assert_eq!(c.get("/").status, 303, "still logged out");

    // The e-mail is case-insensitive and `next` is honoured (same site only).
    let csrf = c.get("/login?next=/settings").csrf();
    let r = c.post(
        "/login",
        &[
            ("_csrf", &csrf),
            ("email", "OWNER@elegance.test"),
            ("password", OWNER_PASSWORD),
            ("next", "/settings"),
        ],
    );
    assert_eq!((r.status, r.location()), (303, "/settings"));
    let evil = app.client();
    let csrf = evil.get("/login").csrf();
    let r = evil.post(
        "/login",
        &[
            ("_csrf", &csrf),
            ("email", OWNER_EMAIL),
            ("password", OWNER_PASSWORD),
            ("next", "//evil.example/"),
        ],
    );
    // Never another site: home, which for an owner who has not finished the setup
    // wizard is the wizard.
    assert_eq!(r.location(), "/onboarding");
}

#[test]
fn logins_are_rate_limited_per_account_and_released_after_the_window() {
    let app = TestApp::spawn_with(|c| {
        c.security.login_attempts_per_account = 3;
        c.security.login_window_minutes = 15;
    });
    app.setup_owner();
    let c = app.client();
    // Empty submits say what is missing and are not attempts.
    for _ in 0..5 {
        let r = c.login("", "");
        assert_eq!(r.status, 400);
        assert!(
            r.body
                .contains("Indiquez votre e-mail et votre mot de passe")
        );
    }
    for _ in 0..3 {
        assert_eq!(c.login(OWNER_EMAIL, "wrong-password!").status, 401);
    }
    // Even the right password waits now.
    let r = c.login(OWNER_EMAIL, OWNER_PASSWORD);
    assert_eq!(r.status, 429);
    assert!(r.body.contains("Trop de tentatives"), "{}", r.body);
    assert!(r.body.contains("15 minutes"), "{}", r.body);
    // When it ends, and the way out.
    assert!(
        r.body.contains("aujourd&#39;hui à")
            || r.body.contains("aujourd'hui à")
            || r.body.contains("demain à"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("comptoir user reset-password"),
        "{}",
        r.body
    );
    assert_eq!(r.header("retry-after"), Some("900"));

    app.clock.advance(jiff::SignedDuration::from_mins(16));
    assert_eq!(c.login(OWNER_EMAIL, OWNER_PASSWORD).status, 303);
}

#[test]
fn logins_are_rate_limited_per_ip_across_accounts() {
    let app = TestApp::spawn_with(|c| c.security.login_attempts_per_ip = 4);
    app.setup_owner();
    let c = app.client();
    for i in 0..4 {
        let r = c.login(&format!("guess{i}@elegance.test"), "wrong-password!");
        assert_eq!(r.status, 401);
    }
    assert_eq!(c.login(OWNER_EMAIL, OWNER_PASSWORD).status, 429);
}

#[test]
fn a_csrf_token_known_before_login_is_worthless_after_it() {
    let app = TestApp::spawn();
    app.setup_owner();
    let c = app.client();
    // The token this browser had before signing in (say, planted by someone else).
    let before = c.get("/login").csrf();
    assert_eq!(c.cookie("comptoir_csrf").as_deref(), Some(before.as_str()));
    assert_eq!(c.login(OWNER_EMAIL, OWNER_PASSWORD).status, 303);
    let fields = [
        ("business_name", "Hacked"),
        ("business_type", "other"),
        ("timezone", "Europe/Paris"),
    ];
    let planted = [&[("_csrf", before.as_str())][..], &fields].concat();
    assert_eq!(c.post("/settings/profile", &planted).status, 403);
    // The signed-in pages carry another token, which works, and changes at each login.
    let after = c.get("/settings/profile").csrf();
    assert_ne!(after, before);
    let r = c.post(
        "/settings/profile",
        &[
            &[("_csrf", after.as_str())][..],
            &[
                ("business_name", "Élégance Paris"),
                ("business_type", "fashion"),
                ("timezone", "Europe/Paris"),
            ],
        ]
        .concat(),
    );
    assert!(r.status == 303 || r.status == 200, "{}", r.status);
    let again = app.client();
    assert_eq!(again.login(OWNER_EMAIL, OWNER_PASSWORD).status, 303);
    assert_ne!(
        again.get("/settings/profile").csrf(),
        after,
        "a new session, a new token"
    );
}

#[test]
fn forms_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    let fields = [
        ("business_name", "Hacked"),
        ("business_type", "other"),
        ("timezone", "Europe/Paris"),
    ];
    let other_browser_token = app.client().get("/login").csrf();
    let zeros = "0".repeat(64);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("missing", fields.to_vec()),
        (
            "wrong",
            [&[("_csrf", zeros.as_str())][..], &fields].concat(),
        ),
        (
            "another browser's",
            [&[("_csrf", other_browser_token.as_str())][..], &fields].concat(),
        ),
    ];
    for (what, form) in cases {
        let r = owner.post("/settings/profile", &form);
        assert_eq!(r.status, 403, "{what} token");
        assert!(r.body.contains("Formulaire expiré"), "{what}");
        assert_eq!(r.header("x-comptoir-error"), Some("csrf"));
        // The code is for scripts: the page speaks plain French.
        assert!(!r.body.contains(">csrf<"), "{what}: {}", r.body);
    }
    assert!(
        owner
            .get("/settings/profile")
            .body
            .contains("Élégance Paris")
    );
    assert!(!owner.get("/settings/profile").body.contains("Hacked"));

    // Login is protected too (login CSRF).
    let r = app.client().post(
        "/login",
        &[("email", OWNER_EMAIL), ("password", OWNER_PASSWORD)],
    );
    assert_eq!(r.status, 403);
}

fn add_member(owner: &crate::common::Client, email: &str, role: &str) {
    let r = owner.submit(
        "/settings/members",
        "/settings/members",
        &[
            ("email", email),
            ("display_name", role),
            ("password", "temporary-pass-1"),
            ("role", role),
        ],
    );
    assert_eq!(r.status, 303, "adding {email}: {}", r.body);
}

#[test]
fn roles_are_enforced_on_the_server_for_every_action() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    for role in ["agent", "order_manager", "read_only"] {
        add_member(&owner, &format!("{role}@elegance.test"), role);
    }
    let profile = [
        ("business_name", "Renamed"),
        ("business_type", "other"),
        ("timezone", "Europe/Paris"),
    ];
    let new_member = [
        ("email", "x@elegance.test"),
        ("password", "temporary-pass-1"),
        ("role", "admin"),
    ];
    let password = [("current", "temporary-pass-1"), ("new", "another-pass-22")];
    // (role, page holding a form, action, fields, expected status)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], u16);
    let cases: &[Case] = &[
        ("read_only", "/settings/profile", &profile, 403),
        ("read_only", "/settings/members", &new_member, 403),
        ("read_only", "/settings/account/password", &password, 403),
        ("read_only", "/settings/account/sessions/revoke", &[], 403),
        ("agent", "/settings/profile", &profile, 403),
        ("agent", "/settings/members", &new_member, 403),
        (
            "agent",
            "/settings/members/1",
            &[("action", "disable")],
            403,
        ),
        ("order_manager", "/settings/profile", &profile, 403),
        ("order_manager", "/settings/members", &new_member, 403),
        ("agent", "/settings/account/password", &password, 303),
        (
            "order_manager",
            "/settings/account/sessions/revoke",
            &[],
            303,
        ),
    ];
    for (role, action, fields, expected) in cases {
        let c = app.client();
        let email = format!("{role}@elegance.test");
        assert_eq!(
            c.login(&email, "temporary-pass-1").status,
            303,
            "{role} login"
        );
        let r = c.submit("/settings", action, fields);
        assert_eq!(r.status, *expected, "{role} POST {action}: {}", r.body);
        if *expected == 403 {
            assert!(r.body.contains("Accès refusé"), "{role} {action}");
        }
    }
    // Nothing the refused requests asked for happened.
    let profile_page = owner.get("/settings/profile");
    assert!(!profile_page.body.contains("Renamed"));
    assert!(
        !owner
            .get("/settings/members")
            .body
            .contains("x@elegance.test")
    );

    // Every role can read pages and log out.
    let ro = app.login("read_only@elegance.test", "temporary-pass-1");
    for page in [
        "/",
        "/inbox",
        "/products",
        "/orders",
        "/settings",
        "/settings/profile",
        "/settings/members",
        "/settings/account",
    ] {
        assert_eq!(ro.get(page).status, 200, "read_only GET {page}");
    }
    assert!(
        !ro.get("/settings/members")
            .body
            .contains("Ajouter un membre"),
        "no admin forms"
    );
    let r = ro.submit("/", "/logout", &[]);
    assert_eq!((r.status, r.location()), (303, "/login?done=1"));
}

#[test]
fn logout_ends_the_session_even_for_a_copied_cookie() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    let stolen = owner.cookie("comptoir_session").expect("session cookie");
    let r = owner.submit("/", "/logout", &[]);
    assert_eq!(r.status, 303);
    assert!(
        owner
            .get("/login?done=1")
            .body
            .contains("Vous êtes déconnecté")
    );
    assert_eq!(owner.get("/").status, 303);
    let replay = app
        .client()
        .get_with("/", ("cookie", &format!("comptoir_session={stolen}")));
    assert_eq!((replay.status, replay.location()), (303, "/login?next=%2F"));
}

#[test]
fn sessions_expire_after_idle_days() {
    let app = TestApp::spawn_with(|c| c.security.session_days = 2);
    let owner = app.setup_owner();
    app.clock.advance(jiff::SignedDuration::from_hours(47));
    assert_eq!(
        owner.get("/").status,
        200,
        "still within 2 days; use extends it"
    );
    app.clock.advance(jiff::SignedDuration::from_hours(47));
    assert_eq!(owner.get("/").status, 200, "extended by the last use");
    app.clock.advance(jiff::SignedDuration::from_hours(49));
    assert_eq!(owner.get("/").status, 303, "idle for more than 2 days");
}

#[test]
fn password_change_and_member_management() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    add_member(&owner, "agent@elegance.test", "agent");
    let agent = app.login("agent@elegance.test", "temporary-pass-1");
    let agent_elsewhere = app.login("agent@elegance.test", "temporary-pass-1");

    let r = agent.submit(
        "/settings/account",
        "/settings/account/password",
        &[("current", "not-the-password"), ("new", "another-pass-22")],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("mot de passe actuel est incorrect"));
    let r = agent.submit(
        "/settings/account",
        "/settings/account/password",
        &[("current", "temporary-pass-1"), ("new", "another-pass-22")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(agent.get("/").status, 200, "this session stays");
    assert_eq!(agent_elsewhere.get("/").status, 303, "other sessions end");
    assert_eq!(
        app.client()
            .login("agent@elegance.test", "temporary-pass-1")
            .status,
        401
    );
    app.login("agent@elegance.test", "another-pass-22");

    // Adding the same e-mail twice is explained.
    let r = owner.submit(
        "/settings/members",
        "/settings/members",
        &[
            ("email", "AGENT@elegance.test"),
            ("password", "temporary-pass-1"),
            ("role", "agent"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("existe déjà"), "{}", r.body);

    // The last admin cannot step down or be disabled.
    for fields in [
        [("action", "role"), ("role", "agent")],
        [("action", "disable"), ("role", "")],
    ] {
        let r = owner.submit("/settings/members", "/settings/members/1", &fields);
        assert_eq!(r.status, 409, "{fields:?}");
        assert!(r.body.contains("au moins un administrateur"));
    }

    // Disabling a member ends their sessions and blocks their login.
    let r = owner.submit(
        "/settings/members",
        "/settings/members/2",
        &[("action", "disable")],
    );
    assert_eq!(r.status, 303);
    assert_eq!(agent.get("/").status, 303);
    assert_eq!(
        app.client()
            .login("agent@elegance.test", "another-pass-22")
            .status,
        401
    );
    let r = owner.submit(
        "/settings/members",
        "/settings/members/2",
        &[("action", "enable")],
    );
    assert_eq!(r.status, 303);
    app.login("agent@elegance.test", "another-pass-22");
}

#[test]
fn restart_keeps_accounts_and_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let app = TestApp::spawn_in(&dir, |_| {});
    let owner = app.setup_owner();
    let r = owner.submit(
        "/settings/profile",
        "/settings/profile",
        &[
            ("business_name", "Élégance Paris"),
            ("business_type", "ecommerce"),
            ("phone", "+33 9 39 03 57 61"),
            ("address", "24 Rue de Rivoli, 75004 Paris"),
            ("timezone", "Europe/Paris"),
            ("language", "fr"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    app.stop().expect("graceful stop");

    let again = TestApp::spawn_in(&dir, |_| {});
    let c = again.login(OWNER_EMAIL, OWNER_PASSWORD);
    let page = c.get("/settings/profile").body;
    assert!(page.contains("24 Rue de Rivoli, 75004 Paris"));
    assert!(page.contains("+33 9 39 03 57 61"));
}

#[test]
fn profile_form_explains_bad_values_and_keeps_the_old_ones() {
    let app = TestApp::spawn();
    let owner = app.setup_owner();
    let r = owner.submit(
        "/settings/profile",
        "/settings/profile",
        &[
            ("business_name", ""),
            ("business_type", "ecommerce"),
            ("email", "hello@"),
            ("timezone", "Europe/Lutece"),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Indiquez le nom du commerce"));
    assert!(r.body.contains("adresse e-mail n'est pas valide"));
    assert!(r.body.contains("Fuseau horaire inconnu"));
    assert!(owner.get("/").body.contains("Élégance Paris"));
}

fn login_from(c: &crate::common::Client, email: &str, password: &str, forwarded: &str) -> u16 {
    let csrf = c.get("/login").csrf();
    c.post_with(
        "/login",
        &[("_csrf", &csrf), ("email", email), ("password", password)],
        ("X-Forwarded-For", forwarded),
    )
    .status
}

#[test]
fn behind_a_proxy_each_forwarded_client_has_its_own_login_limit() {
    let app = TestApp::spawn_with(|c| {
        c.security.login_attempts_per_ip = 2;
        c.security.behind_proxy = true;
    });
    app.setup_owner();
    let c = app.client();
    assert_eq!(
        login_from(&c, "a@elegance.test", "wrong-password!", "203.0.113.1"),
        401
    );
    assert_eq!(
        login_from(&c, "b@elegance.test", "wrong-password!", "203.0.113.1"),
        401
    );
    assert_eq!(
        login_from(&c, "c@elegance.test", "wrong-password!", "203.0.113.1"),
        429
    );
    // Another client behind the same proxy is not paused.
    assert_eq!(
        login_from(&c, OWNER_EMAIL, OWNER_PASSWORD, "198.51.100.7"),
        303
    );
}

#[test]
fn parallel_wrong_passwords_count_against_the_account_limit() {
    let app = TestApp::spawn_with(|c| c.security.login_attempts_per_ip = 1000);
    app.setup_owner();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let tries: Vec<_> = (0..20)
            .map(|i| {
                let c = app.client();
                s.spawn(move || {
                    login_from(
                        &c,
                        OWNER_EMAIL,
                        "wrong-password!",
                        &format!("203.0.113.{i}"),
                    )
                })
            })
            .collect();
        tries.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(
        checked, 5,
        "only the account's 5 attempts are checked: {statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 15);
}

#[test]
fn behind_a_proxy_a_client_cannot_pick_its_address_by_writing_the_header() {
    let app = TestApp::spawn_with(|c| {
        c.security.login_attempts_per_ip = 2;
        c.security.behind_proxy = true;
    });
    app.setup_owner();
    let c = app.client();
    // The proxy appends the address it saw (203.0.113.1) to what the client sent: the
    // client's own entries change each time, the proxy's does not.
    for (i, expected) in [(1, 401), (2, 401), (3, 429)] {
        let forwarded = format!("10.9.9.{i}, 203.0.113.1");
        assert_eq!(
            login_from(&c, "a@elegance.test", "wrong-password!", &forwarded),
            expected,
            "attempt {i}"
        );
    }
    // A proxy chain: the last address that is not a trusted proxy is the client.
    assert_eq!(
        login_from(&c, OWNER_EMAIL, OWNER_PASSWORD, "203.0.113.1, 127.0.0.1"),
        429
    );
    assert_eq!(
        login_from(&c, OWNER_EMAIL, OWNER_PASSWORD, "garbage, 198.51.100.7"),
        303
    );
}

#[test]
fn without_the_proxy_setting_forwarded_addresses_are_ignored() {
    let app = TestApp::spawn_with(|c| c.security.login_attempts_per_ip = 2);
    app.setup_owner();
    let c = app.client();
    assert_eq!(
        login_from(&c, "a@elegance.test", "wrong-password!", "203.0.113.1"),
        401
    );
    assert_eq!(
        login_from(&c, "b@elegance.test", "wrong-password!", "203.0.113.2"),
        401
    );
    // A made-up header does not dodge the limit: the peer is what counts.
    assert_eq!(
        login_from(&c, OWNER_EMAIL, OWNER_PASSWORD, "198.51.100.7"),
        429
    );
}
