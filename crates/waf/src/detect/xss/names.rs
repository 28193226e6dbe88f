//! The vocabularies the detector judges by: event names, tags, URL schemes, JavaScript sinks.
//!
//! Every name is lowercase ASCII. The event list is kept sorted for a binary search; the short
//! vocabularies are `match`es, which compile to a length switch and inline comparisons.

/// DOM event names that an `on…` attribute or property can handle, without the `on`.
/// Vendor-prefixed names (`webkit…`, `moz…`, `ms…`) are recognised by prefix instead.
static EVENTS: &[&[u8]] = &[
    b"abort",
    b"activate",
    b"afterprint",
    b"afterscriptexecute",
    b"afterupdate",
    b"animationcancel",
    b"animationend",
    b"animationiteration",
    b"animationstart",
    b"appinstalled",
    b"auxclick",
    b"beforeactivate",
    b"beforecopy",
    b"beforecut",
    b"beforedeactivate",
    b"beforeeditfocus",
    b"beforeinput",
    b"beforematch",
    b"beforepaste",
    b"beforeprint",
    b"beforescriptexecute",
    b"beforetoggle",
    b"beforeunload",
    b"beforeupdate",
    b"begin",
    b"blur",
    b"bounce",
    b"cancel",
    b"canplay",
    b"canplaythrough",
    b"cellchange",
    b"change",
    b"click",
    b"close",
    b"command",
    b"connect",
    b"contentvisibilityautostatechange",
    b"contextlost",
    b"contextmenu",
    b"contextrestored",
    b"controlselect",
    b"copy",
    b"cuechange",
    b"cut",
    b"dataavailable",
    b"datasetchanged",
    b"datasetcomplete",
    b"dblclick",
    b"deactivate",
    b"devicelight",
    b"devicemotion",
    b"deviceorientation",
    b"deviceorientationabsolute",
    b"deviceproximity",
    b"drag",
    b"dragdrop",
    b"dragend",
    b"dragenter",
    b"dragexit",
    b"dragleave",
    b"dragover",
    b"dragstart",
    b"drop",
    b"durationchange",
    b"emptied",
    b"encrypted",
    b"end",
    b"ended",
    b"enterpictureinpicture",
    b"error",
    b"errorupdate",
    b"filterchange",
    b"finish",
    b"focus",
    b"focusin",
    b"focusout",
    b"formchange",
    b"formdata",
    b"forminput",
    b"freeze",
    b"fullscreenchange",
    b"fullscreenerror",
    b"gamepadconnected",
    b"gamepaddisconnected",
    b"gesturechange",
    b"gestureend",
    b"gesturestart",
    b"gotpointercapture",
    b"hashchange",
    b"help",
    b"input",
    b"invalid",
    b"keydown",
    b"keypress",
    b"keyup",
    b"languagechange",
    b"layoutcomplete",
    b"leavepictureinpicture",
    b"load",
    b"loadeddata",
    b"loadedmetadata",
    b"loadend",
    b"loadstart",
    b"losecapture",
    b"lostpointercapture",
    b"mediacomplete",
    b"mediaerror",
    b"message",
    b"messageerror",
    b"mousedown",
    b"mouseenter",
    b"mouseleave",
    b"mousemove",
    b"mouseout",
    b"mouseover",
    b"mouseup",
    b"mousewheel",
    b"move",
    b"moveend",
    b"movestart",
    b"navigate",
    b"offline",
    b"online",
    b"orientationchange",
    b"outofsync",
    b"overflow",
    b"overflowchanged",
    b"pagehide",
    b"pagereveal",
    b"pageshow",
    b"pageswap",
    b"paste",
    b"pause",
    b"play",
    b"playing",
    b"pointercancel",
    b"pointerdown",
    b"pointerenter",
    b"pointerleave",
    b"pointerlockchange",
    b"pointerlockerror",
    b"pointermove",
    b"pointerout",
    b"pointerover",
    b"pointerrawupdate",
    b"pointerup",
    b"popstate",
    b"progress",
    b"propertychange",
    b"ratechange",
    b"readystatechange",
    b"redo",
    b"rejectionhandled",
    b"repeat",
    b"reset",
    b"resize",
    b"resizeend",
    b"resizestart",
    b"resume",
    b"reverse",
    b"rowdelete",
    b"rowenter",
    b"rowexit",
    b"rowinserted",
    b"rowsdelete",
    b"rowsenter",
    b"rowsinserted",
    b"scroll",
    b"scrollend",
    b"scrollsnapchange",
    b"scrollsnapchanging",
    b"search",
    b"securitypolicyviolation",
    b"seek",
    b"seeked",
    b"seeking",
    b"select",
    b"selectionchange",
    b"selectstart",
    b"show",
    b"slotchange",
    b"stalled",
    b"start",
    b"stop",
    b"storage",
    b"submit",
    b"suspend",
    b"syncrestored",
    b"timeerror",
    b"timeout",
    b"timeupdate",
    b"toggle",
    b"touchcancel",
    b"touchend",
    b"touchenter",
    b"touchleave",
    b"touchmove",
    b"touchstart",
    b"trackchange",
    b"transitioncancel",
    b"transitionend",
    b"transitionrun",
    b"transitionstart",
    b"underflow",
    b"undo",
    b"unhandledrejection",
    b"unload",
    b"urlflip",
    b"visibilitychange",
    b"volumechange",
];

/// Whether `name` (lowercase, without `on`) is a known event.
pub(crate) fn is_event(name: &[u8]) -> bool {
    if EVENTS.binary_search(&name).is_ok() {
        return true;
    }
    [&b"webkit"[..], b"moz", b"ms"]
        .iter()
        .any(|p| name.len() >= p.len() + 3 && name.starts_with(p))
}

/// How a tag is judged by its name alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TagClass {
    /// Runs its content as script whatever its attributes: `script`; and `xss`, the probe that
    /// scanners and testers inject, never seen in real content.
    Script,
    /// Loads a document or active content once it has any attribute (`src`, `data`, `href`,
    /// `code`, `srcdoc`…): `iframe`, `object`, `embed`, `base`… Bare, as prose names them
    /// (`the <iframe> element`), they load nothing.
    Active,
    /// `meta`: dangerous with `http-equiv` (refresh, cookies) or `charset` (UTF-7 tricks).
    Meta,
    /// `link`: loads a stylesheet or an HTML import.
    Link,
    /// `form` / `isindex`: an `action` sends what the user types elsewhere.
    Form,
    /// `style`: its content is CSS.
    Style,
    /// SVG animation elements, which can set attributes such as `href` or handlers.
    Animate,
    /// Loads a document with `src`: Netscape's `layer`, Internet Explorer's `xml` data islands.
    Loader,
    /// Anything else: judged by its attributes.
    Plain,
}

/// The class of a tag by its lowercase local name (after any `prefix:`).
pub(crate) fn tag_class(local: &[u8]) -> TagClass {
    match local {
        b"script" | b"xss" => TagClass::Script,
        b"applet" | b"base" | b"embed" | b"frame" | b"frameset" | b"handler" | b"iframe"
        | b"import" | b"listener" | b"object" | b"vmlframe" => TagClass::Active,
        b"meta" => TagClass::Meta,
        b"link" => TagClass::Link,
        b"form" | b"isindex" => TagClass::Form,
        b"style" => TagClass::Style,
        b"animate" | b"animatemotion" | b"animatetransform" | b"set" => TagClass::Animate,
        b"ilayer" | b"layer" | b"xml" => TagClass::Loader,
        _ => TagClass::Plain,
    }
}

/// Whether an attribute (lowercase) only ever carries text, shown as such: a `javascript:`
/// at its start is judged like prose (it must look like code), not as a URL.
pub(crate) fn is_text_attr(name: &[u8]) -> bool {
    matches!(
        name,
        b"abbr"
            | b"alt"
            | b"aria-description"
            | b"aria-label"
            | b"label"
            | b"placeholder"
            | b"summary"
            | b"title"
    )
}

/// Whether an attribute (lowercase) only lays an element out or labels it: such attributes
/// on an `iframe` or `object` load nothing (`<iframe width=560 title=…>`).
pub(crate) fn is_layout_attr(name: &[u8]) -> bool {
    matches!(
        name,
        b"align"
            | b"allowfullscreen"
            | b"border"
            | b"class"
            | b"dir"
            | b"frameborder"
            | b"height"
            | b"hspace"
            | b"id"
            | b"lang"
            | b"loading"
            | b"marginheight"
            | b"marginwidth"
            | b"role"
            | b"scrolling"
            | b"tabindex"
            | b"title"
            | b"vspace"
            | b"width"
    ) || name.starts_with(b"aria-")
}

/// Whether a tag (lowercase local name) shows what it loads as an image, with scripts off.
pub(crate) fn is_image_tag(tag: &[u8]) -> bool {
    matches!(
        tag,
        b"img" | b"image" | b"input" | b"picture" | b"source" | b"video"
    )
}

/// Whether an attribute (lowercase local name) holds a URL the browser loads or follows.
pub(crate) fn is_url_attr(name: &[u8]) -> bool {
    matches!(
        name,
        b"action"
            | b"background"
            | b"cite"
            | b"codebase"
            | b"data"
            | b"formaction"
            | b"href"
            | b"icon"
            | b"longdesc"
            | b"manifest"
            | b"poster"
            | b"src"
            | b"usemap"
    )
}

/// What a JavaScript identifier is, for the detector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ident {
    /// A function that runs code or pops a dialog: `alert`, `eval`, `setTimeout`…
    Sink,
    /// A helper that attack payloads lean on, as CRS's paranoia level 1 does: `atob`, `btoa`,
    /// `fromCharCode`.
    Helper,
    /// A global object whose members lead to script or secrets: `window`, `document`…
    Global,
    /// `constructor`: `x.constructor(…)` and `constructor.constructor` reach `Function`.
    Constructor,
    /// `import(…)`, the dynamic module loader.
    Import,
    /// `expression(…)`, the old Internet Explorer CSS script hook.
    Expression,
    /// `url(…)` in CSS.
    Url,
    /// `call` / `apply`: a tagged template on them calls any function.
    Call,
}

/// The kind of an identifier, if the detector cares about it. JavaScript names are matched
/// with their case, as the language does (`Alert(1)` runs nothing); CSS ones without.
pub(crate) fn ident(name: &[u8]) -> Option<Ident> {
    Some(match name {
        b"alert" | b"confirm" | b"eval" | b"execScript" | b"importScripts" | b"msSetImmediate"
        | b"prompt" | b"setImmediate" | b"setInterval" | b"setTimeout" => Ident::Sink,
        b"atob" | b"btoa" | b"fromCharCode" => Ident::Helper,
        b"contentWindow" | b"defaultView" | b"document" | b"frames" | b"globalThis"
        | b"location" | b"opener" | b"parent" | b"parentWindow" | b"self" | b"top" | b"window" => {
            Ident::Global
        }
        b"constructor" => Ident::Constructor,
        b"import" => Ident::Import,
        b"call" | b"apply" => Ident::Call,
        _ if name.eq_ignore_ascii_case(b"expression") => Ident::Expression,
        _ if name.eq_ignore_ascii_case(b"url") => Ident::Url,
        _ => return None,
    })
}

/// How a member access is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Member {
    /// Reads a secret or navigates: `document.cookie`, `window.location`. Dangerous as written.
    Secret,
    /// Reaches the page's DOM or script: dangerous when code follows (`document.body.append…`,
    /// `document.querySelector(…)`), prose when it does not.
    Dom,
}

/// Whether `object.member` (`object` a global) is a dangerous member access, and how:
/// `document.cookie`, `window.location`, `location.href`, `document.body`…
pub(crate) fn member(object: &[u8], member: &[u8]) -> Option<Member> {
    let known = match object {
        b"document" => matches!(
            member,
            b"URL"
                | b"all"
                | b"baseURI"
                | b"body"
                | b"cookie"
                | b"createElement"
                | b"defaultView"
                | b"documentElement"
                | b"documentURI"
                | b"domain"
                | b"execCommand"
                | b"forms"
                | b"getElementById"
                | b"getElementsByClassName"
                | b"getElementsByName"
                | b"getElementsByTagName"
                | b"head"
                | b"images"
                | b"links"
                | b"location"
                | b"open"
                | b"querySelector"
                | b"querySelectorAll"
                | b"referrer"
                | b"scripts"
                | b"write"
                | b"writeln"
        ),
        b"location" => matches!(
            member,
            b"assign" | b"hash" | b"href" | b"protocol" | b"replace" | b"search"
        ),
        // window-like globals: `window`, `self`, `top`, `parent`, `frames`…
        _ => matches!(
            member,
            b"XMLHttpRequest"
                | b"alert"
                | b"atob"
                | b"confirm"
                | b"document"
                | b"eval"
                | b"execScript"
                | b"localStorage"
                | b"location"
                | b"postMessage"
                | b"prompt"
                | b"sessionStorage"
                | b"setInterval"
                | b"setTimeout"
        ),
    };
    if !known {
        return None;
    }
    Some(match member {
        b"cookie" | b"domain" | b"location" | b"write" | b"writeln" => Member::Secret,
        _ => Member::Dom,
    })
}

/// Whether a dangerous member is a method, called with `(`, rather than a property.
pub(crate) fn is_method(m: &[u8]) -> bool {
    matches!(
        m,
        b"XMLHttpRequest"
            | b"alert"
            | b"assign"
            | b"atob"
            | b"confirm"
            | b"createElement"
            | b"eval"
            | b"execCommand"
            | b"execScript"
            | b"getElementById"
            | b"getElementsByClassName"
            | b"getElementsByName"
            | b"getElementsByTagName"
            | b"open"
            | b"postMessage"
            | b"prompt"
            | b"querySelector"
            | b"querySelectorAll"
            | b"replace"
            | b"setInterval"
            | b"setTimeout"
            | b"write"
            | b"writeln"
    )
}

/// Whether `member` is dangerous on any global.
pub(crate) fn is_member_name(m: &[u8]) -> bool {
    // `URL` to `getElementsByClassName`
    if !(3..=22).contains(&m.len()) || !m[0].is_ascii_alphabetic() {
        return false;
    }
    [&b"document"[..], b"location", b"window"]
        .iter()
        .any(|o| member(o, m).is_some())
}

/// Whether a lowercase MIME type is active content: a browser renders it as a document or
/// runs it as script when a `data:` URL carries it.
pub(crate) fn is_active_mime(mime: &[u8]) -> bool {
    matches!(
        mime,
        b"application/ecmascript"
            | b"application/javascript"
            | b"application/x-javascript"
            | b"application/x-shockwave-flash"
            | b"application/xhtml+xml"
            | b"application/xml"
            | b"image/svg+xml"
            | b"text/ecmascript"
            | b"text/html"
            | b"text/javascript"
            | b"text/vbscript"
            | b"text/xml"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted<T: Ord>(v: &[T]) -> bool {
        v.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn events_are_sorted_for_binary_search() {
        assert!(sorted(EVENTS));
    }

    #[test]
    fn events_by_name_and_vendor_prefix() {
        assert!(is_event(b"error"));
        assert!(is_event(b"webkitplaybacktargetavailabilitychanged"));
        assert!(is_event(b"mozfullscreenchange"));
        assert!(!is_event(b"line"));
        assert!(!is_event(b"ms"));
    }
}
