//! The `:` command line: what can be typed, its completion and its parsing.
//! Pure; the app carries out what [`parse`] returns.

/// The table's orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Soonest expiry first (the default).
    #[default]
    Ttl,
    /// By platform, then time left.
    Platform,
    /// By profile name.
    Profile,
}

/// Which rows `:refresh` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Shown rows that are expiring, critical or expired.
    Expiring,
    /// Every shown row.
    All,
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// `:sort KEY`.
    Sort(SortKey),
    /// `:refresh expiring|all`.
    Refresh(Which),
    /// `:theme NAME`.
    Theme(String),
    /// `:readonly`: refuse what changes tokens until tokentop restarts.
    Readonly,
    /// `:help`.
    Help,
    /// `:audit`: this session's audit journal.
    Audit,
    /// `:q`, `:quit`.
    Quit,
}

/// Every command, the words it takes (a theme's are the theme names) and
/// what help says of it.
pub const COMMANDS: &[(&str, &[&str], &str)] = &[
    ("sort", &["ttl", "platform", "profile"], "order the table"),
    (
        "refresh",
        &["expiring", "all"],
        "refresh the shown rows that expire soon (or all of them)",
    ),
    ("theme", &[], "switch to a theme"),
    (
        "readonly",
        &[],
        "refuse refresh, revoke, downscope and sign-in until restart",
    ),
    ("audit", &[], "this session's audit journal"),
    ("help", &[], "show the keys"),
    ("quit", &[], "leave (also :q)"),
];

/// Parses a command line (without its `:`); the error says what is known.
pub fn parse(line: &str, themes: &[String]) -> Result<Run, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let (name, args) = match words.split_first() {
        Some((name, args)) => (*name, args),
        None => {
            return Err("type a command: sort, refresh, theme, readonly, audit, help, quit".into());
        }
    };
    let one = |what: &str, choices: &[&str]| -> Result<String, String> {
        match args {
            [arg] if choices.is_empty() || choices.contains(arg) => Ok(arg.to_string()),
            _ => Err(format!(":{name} takes {what}: {}", choices.join(", "))),
        }
    };
    let names: Vec<&str> = themes.iter().map(String::as_str).collect();
    match name {
        "sort" => Ok(Run::Sort(
            match one("one order", &["ttl", "platform", "profile"])?.as_str() {
                "platform" => SortKey::Platform,
                "profile" => SortKey::Profile,
                _ => SortKey::Ttl,
            },
        )),
        "refresh" => Ok(Run::Refresh(
            match one("which rows", &["expiring", "all"])?.as_str() {
                "all" => Which::All,
                _ => Which::Expiring,
            },
        )),
        "theme" => one("a theme", &names).map(Run::Theme),
        _ if !args.is_empty() => Err(format!(":{name} takes nothing")),
        "readonly" => Ok(Run::Readonly),
        "help" => Ok(Run::Help),
        "audit" => Ok(Run::Audit),
        "q" | "quit" => Ok(Run::Quit),
        _ => Err(format!(
            "no command `{name}` (have: {})",
            COMMANDS.iter().map(|c| c.0).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// What the word being typed could become: command names, or the words
/// its command takes.
pub fn choices(line: &str, themes: &[String]) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let typing_next = line.is_empty() || line.ends_with(' ');
    let (known, prefix): (Vec<String>, &str) = match (words.as_slice(), typing_next) {
        ([], _) => (names(), ""),
        ([word], false) => (names(), word),
        ([name], true) => (args(name, themes), ""),
        ([name, word], false) => (args(name, themes), word),
        _ => (Vec::new(), ""),
    };
    known
        .into_iter()
        .filter(|c| c.starts_with(prefix))
        .collect()
}

/// Tab: the line with its last word completed as far as the choices
/// agree (a space after a whole word).
pub fn complete(line: &str, themes: &[String]) -> String {
    let found = choices(line, themes);
    let Some(first) = found.first() else {
        return line.to_string();
    };
    let common = found.iter().fold(first.clone(), |common, c| {
        common
            .chars()
            .zip(c.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect()
    });
    let start = match line.ends_with(' ') {
        true => line.len(),
        false => line.rfind(' ').map_or(0, |i| i + 1),
    };
    let mut done = format!("{}{common}", &line[..start]);
    if found.len() == 1 {
        done.push(' ');
    }
    done
}

fn names() -> Vec<String> {
    COMMANDS.iter().map(|c| c.0.to_string()).collect()
}

fn args(name: &str, themes: &[String]) -> Vec<String> {
    match name {
        "theme" => themes.to_vec(),
        _ => COMMANDS
            .iter()
            .find(|c| c.0 == name)
            .map(|c| c.1.iter().map(|a| a.to_string()).collect())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn themes() -> Vec<String> {
        ["default", "light", "mono"].map(String::from).to_vec()
    }

    #[test]
    fn commands_parse_and_mistakes_say_what_is_known() {
        let t = themes();
        assert_eq!(parse("sort platform", &t), Ok(Run::Sort(SortKey::Platform)));
        assert_eq!(
            parse(" refresh  expiring ", &t),
            Ok(Run::Refresh(Which::Expiring))
        );
        assert_eq!(parse("theme light", &t), Ok(Run::Theme("light".into())));
        assert_eq!(parse("q", &t), Ok(Run::Quit));
        assert_eq!(parse("readonly", &t), Ok(Run::Readonly));
        let err = parse("sort color", &t).expect_err("bad order");
        assert!(err.contains("ttl, platform, profile"), "{err}");
        let err = parse("theme neon", &t).expect_err("bad theme");
        assert!(err.contains("default, light, mono"), "{err}");
        let err = parse("frobnicate", &t).expect_err("unknown");
        assert!(
            err.contains("no command `frobnicate`") && err.contains("sort"),
            "{err}"
        );
        assert!(parse("quit now", &t).is_err());
        assert!(parse("", &t).is_err());
    }

    #[test]
    fn tab_completes_as_far_as_the_choices_agree() {
        let t = themes();
        assert_eq!(complete("so", &t), "sort ");
        assert_eq!(complete("sort p", &t), "sort p");
        assert_eq!(choices("sort p", &t), ["platform", "profile"]);
        assert_eq!(complete("sort pl", &t), "sort platform ");
        assert_eq!(complete("theme l", &t), "theme light ");
        assert_eq!(complete("r", &t), "re");
        assert_eq!(choices("r", &t), ["refresh", "readonly"]);
        assert_eq!(complete("a", &t), "audit ");
        assert_eq!(complete("zz", &t), "zz");
        assert_eq!(choices("", &t).len(), COMMANDS.len());
        assert_eq!(choices("refresh ", &t), ["expiring", "all"]);
    }
}
