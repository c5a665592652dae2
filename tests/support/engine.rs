//! A private Docker engine for the end-to-end tests: Debian's dockerd on a temporary data
//! root, stopped (and its mounts gone) on drop.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A private dockerd, stopped on drop.
pub struct Dockerd {
    child: Child,
    dir: tempfile::TempDir,
}

impl Dockerd {
    pub fn start() -> Dockerd {
        let dir = tempfile::Builder::new().prefix("weigh-dockerd").tempdir().unwrap();
        let d = dir.path();
        let child = Command::new("dockerd")
            .args(["--storage-driver", "overlay2", "--iptables=false", "--ip-masq=false", "--bridge=none"])
            .arg("--data-root")
            .arg(d.join("data"))
            .arg("--exec-root")
            .arg(d.join("exec"))
            .arg("--pidfile")
            .arg(d.join("docker.pid"))
            .arg("-H")
            .arg(format!("unix://{}", d.join("docker.sock").display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dockerd (Debian package docker.io)");
        let mut me = Dockerd { child, dir };
        let start = Instant::now();
        while !me.dir.path().join("docker.sock").exists() || !me.docker(&["version"]).status.success() {
            if let Ok(Some(s)) = me.child.try_wait() {
                panic!("dockerd exited: {s}");
            }
            assert!(start.elapsed() < Duration::from_secs(60), "dockerd did not start");
            std::thread::sleep(Duration::from_millis(300));
        }
        me
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }

    pub fn docker(&self, args: &[&str]) -> Output {
        Command::new("/usr/bin/docker").env("DOCKER_HOST", self.host()).args(args).output().unwrap()
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        terminate(&mut self.child);
    }
}

/// SIGTERM, then wait for the engine to unmount and exit.
pub fn terminate(child: &mut Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.kill();
    let _ = child.wait();
}
