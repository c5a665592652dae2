#!/usr/bin/env python3
"""Assembles the layers of images on bases no builder here can pull: an Alpine-format node
base (as node:22-alpine is) with `apk add python3 make g++`, a distroless node image from real
Debian packages, an RPM image whose database Debian's rpm wrote, and a Go service.

    assemble-images.py NAME OUT_DIR WORK_DIR

writes OUT_DIR/layers/NN.tar (one tar per layer, in order), OUT_DIR/image.json (each layer's
history command, and the config: Cmd, Entrypoint, Env, User, WorkingDir) and, where an
independent reading exists, OUT_DIR/reference/* (rpm -qa, go version -m). WORK_DIR keeps what
is slow to get (npm installs, downloaded .debs, the Go build) from one image to the next of a
run. scripts/real-images.sh commits the layers with buildah, so the images are real ones.

What is real and what is written: the apk database is written in apk's exact record format
for the files the layers hold; musl's loader is Debian's real musl; the node_modules are npm's
real installs for musl or glibc (sharp's prebuilt addons); node on the Alpine base is a musl
program linked like node is (DT_NEEDED libstdc++.so.6, libgcc_s.so.1,
libc.musl-x86_64.so.1), as no musl build of node can be fetched here, and libstdc++ and libgcc
are musl stand-ins with those sonames. The compiler, python3 and the other packages' files are
patterned bytes of their real sizes. The distroless and RPM images hold real files: Debian
packages as dpkg-deb extracts them, and this machine's node, libc and libstdc++ packaged with
rpmbuild and installed with rpm.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import base64

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures")


def run(*cmd, cwd=None, env=None):
    e = dict(os.environ)
    e.update(env or {})
    subprocess.run(cmd, cwd=cwd, env=e, check=True, stdout=sys.stderr)


def pattern(name, size):
    """Compressible stand-in bytes for a file whose content does not matter, only its size."""
    unit = hashlib.sha256(name.encode()).hexdigest().encode()
    return (unit * (size // len(unit) + 1))[:size]


class Layer:
    """A layer's tar, written in path order with parent directories first; `deletes` are
    paths the layer removes (the builder records them as whiteouts)."""

    def __init__(self):
        self.entries = {}
        self.deletes = []

    def put(self, path, entry):
        p = os.path.normpath(path).lstrip("/")
        if p != ".":
            self.entries[p] = entry

    def dir(self, path, mode=0o755, uid=0, gid=0):
        self.put(path, ("d", mode, None, uid, gid))

    def file(self, path, data, mode=0o644, uid=0, gid=0):
        self.put(path, ("f", mode, data, uid, gid))

    def link(self, path, target):
        self.put(path, ("l", 0o777, target, 0, 0))

    def copy_tree(self, src, dest, uid=0, gid=0):
        for dirpath, dirs, files in os.walk(src):
            dirs.sort()
            rel = os.path.relpath(dirpath, src)
            base = dest if rel == "." else f"{dest}/{rel}"
            self.dir(base, uid=uid, gid=gid)
            for f in sorted(files + [d for d in dirs if os.path.islink(os.path.join(dirpath, d))]):
                p = os.path.join(dirpath, f)
                if os.path.islink(p):
                    self.link(f"{base}/{f}", os.readlink(p))
                else:
                    st = os.stat(p)
                    with open(p, "rb") as fh:
                        self.file(f"{base}/{f}", fh.read(), mode=st.st_mode & 0o7777, uid=uid, gid=gid)

    def write(self, path):
        parents = set()
        for p in self.entries:
            parts = p.split("/")
            for i in range(1, len(parts)):
                parents.add("/".join(parts[:i]))
        for p in parents:
            self.entries.setdefault(p, ("d", 0o755, None, 0, 0))
        with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as t:
            for p in sorted(self.entries, key=lambda x: (x.count("/"), x)):
                kind, mode, data, uid, gid = self.entries[p]
                info = tarfile.TarInfo(p)
                info.mode, info.uid, info.gid, info.mtime = mode, uid, gid, 1700000000
                if kind == "d":
                    info.type = tarfile.DIRTYPE
                    t.addfile(info)
                elif kind == "l":
                    info.type, info.linkname = tarfile.SYMTYPE, data
                    t.addfile(info)
                else:
                    info.size = len(data)
                    t.addfile(info, io.BytesIO(data))


# ---------------------------------------------------------------- Alpine


class Apk:
    """Packages as apk records them in lib/apk/db/installed."""

    def __init__(self):
        self.packages = []

    def add(self, layer, name, version, origin, depends, provides, files, description, links=()):
        """`files`: (path, bytes, mode); `links`: (path, target). Writes them into `layer`."""
        by_dir = {}
        for path, data, mode in files:
            layer.file(path, data, mode)
            d, f = path.rsplit("/", 1)
            by_dir.setdefault(d, []).append((f, data, mode))
        for path, target in links:
            layer.link(path, target)
            d, f = path.rsplit("/", 1)
            by_dir.setdefault(d, []).append((f, target.encode(), 0o777))
        size = sum(len(d) for _, d, _ in files)
        self.packages.append((name, version, origin, depends, provides, by_dir, size, description))

    def installed(self):
        out = []
        for name, version, origin, depends, provides, by_dir, size, description in self.packages:
            digest = base64.b64encode(hashlib.sha1(f"{name}-{version}".encode()).digest()).decode()
            rec = [
                f"C:Q1{digest}",
                f"P:{name}",
                f"V:{version}",
                "A:x86_64",
                f"S:{size // 3 + 1024}",
                f"I:{size}",
                f"T:{description}",
                f"U:https://example.org/{origin}",
                "L:MIT",
                f"o:{origin}",
                "m:Natanael Copa <ncopa@alpinelinux.org>",
                "t:1700000000",
                "c:" + hashlib.sha1(origin.encode()).hexdigest(),
            ]
            if depends:
                rec.append("D:" + " ".join(depends))
            if provides:
                rec.append("p:" + " ".join(provides))
            for d in sorted(by_dir):
                rec.append(f"F:{d}")
                for f, data, mode in sorted(by_dir[d]):
                    rec.append(f"R:{f}")
                    if mode & 0o111 and mode != 0o777:
                        rec.append(f"a:0:0:{mode:o}")
                    rec.append("Z:Q1" + base64.b64encode(hashlib.sha1(data).digest()).decode())
            out.append("\n".join(rec) + "\n")
        return ("\n".join(out) + "\n").encode()

    def write_db(self, layer, world):
        layer.file("lib/apk/db/installed", self.installed())
        layer.file("etc/apk/world", ("\n".join(world) + "\n").encode())


def musl_standins(work):
    """node, libstdc++ and libgcc_s as musl programs with node's real library needs."""
    out = os.path.join(work, "musl")
    if os.path.exists(os.path.join(out, "node")):
        return out
    os.makedirs(out, exist_ok=True)
    shutil.copy("/usr/lib/x86_64-linux-musl/libc.so", os.path.join(out, "libc.musl-x86_64.so.1"))
    with open(os.path.join(out, "s1.c"), "w") as f:
        f.write("int weigh_libstdcxx(void) { return 0; }\n")
    with open(os.path.join(out, "s2.c"), "w") as f:
        f.write("int weigh_libgcc(void) { return 0; }\n")
    with open(os.path.join(out, "node.c"), "w") as f:
        f.write(
            '#include <stdio.h>\nint weigh_libstdcxx(void); int weigh_libgcc(void);\n'
            'int main(void) { puts("node (a musl stand-in)"); return weigh_libstdcxx() + weigh_libgcc(); }\n'
        )
    for src, soname, dest in [("s1.c", "libstdc++.so.6", "libstdc++.so.6.0.32"), ("s2.c", "libgcc_s.so.1", "libgcc_s.so.1")]:
        run("musl-gcc", "-shared", "-fPIC", "-nostdlib", f"-Wl,-soname,{soname}", "-o", dest, src,
            "-L.", "-l:libc.musl-x86_64.so.1", cwd=out)
    os.symlink("libstdc++.so.6.0.32", os.path.join(out, "libstdc++.so.6"))
    run("musl-gcc", "-nodefaultlibs", "-o", "node", "node.c", "-Wl,--no-as-needed", "-L.",
        "-l:libstdc++.so.6", "-l:libgcc_s.so.1", "-l:libc.musl-x86_64.so.1", cwd=out)
    return out


def host_node():
    node = os.path.realpath(shutil.which("node"))
    prefix = os.path.dirname(os.path.dirname(node))
    return node, prefix


def npm_install(work, app, libc, dev):
    """npm's own install of a fixture app for a libc, kept between runs."""
    key = f"{app}-{libc}-{'dev' if dev else 'prod'}"
    dest = os.path.join(work, "npm", key)
    if os.path.exists(os.path.join(dest, "DONE")):
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    src = os.path.join(FIXTURES, app)
    for f in ["package.json", "package-lock.json"]:
        shutil.copy(os.path.join(src, f), dest)
    args = ["npm", "ci", "--no-audit", "--no-fund", f"--libc={libc}", "--os=linux", "--cpu=x64",
            "--ignore-scripts", "--cache", os.path.join(work, "npm-cache")]
    if not dev:
        args.append("--omit=dev")
    run(*args, cwd=dest)
    if dev:
        shutil.copytree(os.path.join(src, "src"), os.path.join(dest, "src"))
        shutil.copy(os.path.join(src, "tsconfig.json"), dest)
        run("node", "node_modules/typescript/bin/tsc", "-p", "tsconfig.json", cwd=dest)
    open(os.path.join(dest, "DONE"), "w").close()
    return dest


def alpine_base(work):
    """The base, as node:22-alpine has it: Alpine's minimal root, then node in /usr/local with
    libstdc++ installed for it."""
    apk = Apk()
    root = Layer()
    for d in ["bin", "dev", "etc", "home", "lib", "media", "mnt", "opt", "proc", "root", "run", "sbin", "srv",
              "sys", "tmp", "usr/bin", "usr/lib", "usr/local/bin", "usr/local/lib", "usr/sbin", "usr/share",
              "var/cache", "var/lib", "var/log", "var/tmp"]:
        root.dir(d, mode=0o1777 if d.endswith("tmp") else 0o755)
    passwd = b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/sbin/nologin\n"
    apk.add(root, "alpine-baselayout-data", "3.6.5-r0", "alpine-baselayout", [], [],
            [("etc/passwd", passwd, 0o644), ("etc/group", b"root:x:0:root\nnobody:x:65534:\n", 0o644),
             ("etc/hosts", b"127.0.0.1 localhost\n", 0o644), ("etc/shells", b"/bin/sh\n", 0o644)],
            "Alpine base dir structure and init scripts")
    apk.add(root, "alpine-baselayout", "3.6.5-r0", "alpine-baselayout", ["alpine-baselayout-data", "/bin/sh"], [],
            [("etc/profile", pattern("profile", 2400), 0o644), ("etc/motd", pattern("motd", 283), 0o644)],
            "Alpine base dir structure and init scripts")
    apk.add(root, "alpine-release", "3.20.3-r0", "alpine-base", [], [],
            [("etc/alpine-release", b"3.20.3\n", 0o644),
             ("etc/os-release", b'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n', 0o644)],
            "Alpine release data")
    with open("/usr/lib/x86_64-linux-musl/libc.so", "rb") as f:
        musl = f.read()
    apk.add(root, "musl", "1.2.5-r0", "musl", [], ["so:libc.musl-x86_64.so.1=1"],
            [("lib/ld-musl-x86_64.so.1", musl, 0o755)], "the musl c library (libc) implementation",
            links=[("lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")])
    apk.add(root, "busybox", "1.36.1-r29", "busybox", ["so:libc.musl-x86_64.so.1"], ["cmd:busybox=1.36.1-r29"],
            [("bin/busybox", pattern("busybox", 841288), 0o755)], "Size optimized toolbox of many common UNIX utilities")
    apk.add(root, "busybox-binsh", "1.36.1-r29", "busybox", ["busybox=1.36.1-r29"], ["/bin/sh", "cmd:sh=1.36.1-r29"],
            [], "busybox ash /bin/sh", links=[("bin/sh", "/bin/busybox")])
    apk.add(root, "zlib", "1.3.1-r1", "zlib", ["so:libc.musl-x86_64.so.1"], ["so:libz.so.1=1.3.1"],
            [("lib/libz.so.1.3.1", pattern("libz", 100272), 0o755)], "A compression/decompression Library",
            links=[("lib/libz.so.1", "libz.so.1.3.1")])
    apk.add(root, "libcrypto3", "3.3.2-r0", "openssl", ["so:libc.musl-x86_64.so.1"], ["so:libcrypto.so.3=3"],
            [("lib/libcrypto.so.3", pattern("libcrypto", 4718592), 0o755)], "Crypto library from openssl")
    apk.add(root, "libssl3", "3.3.2-r0", "openssl", ["so:libc.musl-x86_64.so.1", "so:libcrypto.so.3"], ["so:libssl.so.3=3"],
            [("lib/libssl.so.3", pattern("libssl", 610304), 0o755)], "SSL shared libraries")
    apk.add(root, "apk-tools", "2.14.4-r0", "apk-tools", ["musl>=1.2", "so:libcrypto.so.3", "so:libssl.so.3", "so:libz.so.1"],
            ["cmd:apk=2.14.4-r0"], [("sbin/apk", pattern("apk", 214992), 0o755)], "Alpine Package Keeper")
    with open("/etc/ssl/certs/ca-certificates.crt", "rb") as f:
        apk.add(root, "ca-certificates-bundle", "20240705-r0", "ca-certificates", [], [],
                [("etc/ssl/certs/ca-certificates.crt", f.read(), 0o644)], "Pre generated bundle of Mozilla certificates")
    world = ["alpine-baselayout", "alpine-release", "busybox", "apk-tools", "ca-certificates-bundle"]
    apk.write_db(root, world)

    # node:22-alpine: `addgroup -g 1000 node && adduser ... && apk add --no-cache libstdc++`,
    # then node into /usr/local.
    node_layer = Layer()
    musl_dir = musl_standins(work)
    with open(os.path.join(musl_dir, "libstdc++.so.6.0.32"), "rb") as f:
        apk.add(node_layer, "libstdc++", "13.2.1_git20240309-r0", "gcc",
                ["so:libc.musl-x86_64.so.1", "so:libgcc_s.so.1"], ["so:libstdc++.so.6=6.0.32"],
                [("usr/lib/libstdc++.so.6.0.32", f.read(), 0o755)], "GNU C++ standard runtime library",
                links=[("usr/lib/libstdc++.so.6", "libstdc++.so.6.0.32")])
    with open(os.path.join(musl_dir, "libgcc_s.so.1"), "rb") as f:
        apk.add(node_layer, "libgcc", "13.2.1_git20240309-r0", "gcc", ["so:libc.musl-x86_64.so.1"],
                ["so:libgcc_s.so.1=1"], [("usr/lib/libgcc_s.so.1", f.read(), 0o755)], "GNU C compiler runtime libraries")
    world.append("libstdc++")
    apk.write_db(node_layer, world)
    node_layer.file("etc/passwd", passwd + b"node:x:1000:1000::/home/node:/bin/sh\n")
    node_layer.file("etc/group", b"root:x:0:root\nnobody:x:65534:\nnode:x:1000:node\n")
    node_layer.dir("home/node", uid=1000, gid=1000)
    with open(os.path.join(musl_dir, "node"), "rb") as f:
        node_layer.file("usr/local/bin/node", f.read(), 0o755)
    _, prefix = host_node()
    node_layer.copy_tree(os.path.join(prefix, "lib/node_modules/npm"), "usr/local/lib/node_modules/npm")
    node_layer.copy_tree(os.path.join(prefix, "lib/node_modules/corepack"), "usr/local/lib/node_modules/corepack")
    node_layer.copy_tree(os.path.join(prefix, "include/node"), "usr/local/include/node")
    node_layer.link("usr/local/bin/npm", "../lib/node_modules/npm/bin/npm-cli.js")
    node_layer.link("usr/local/bin/npx", "../lib/node_modules/npm/bin/npx-cli.js")
    node_layer.link("usr/local/bin/corepack", "../lib/node_modules/corepack/dist/corepack.js")
    layers = [
        (root, "/bin/sh -c #(nop) ADD file:alpine-minirootfs-3.20.3-x86_64.tar.gz in / "),
        (node_layer, "RUN /bin/sh -c addgroup -g 1000 node && adduser -u 1000 -G node -s /bin/sh -D node && apk add --no-cache libstdc++ && tar -xf node.tar.xz -C /usr/local # buildkit"),
    ]
    return apk, world, layers


def toolchain(apk, world):
    """`apk add --no-cache python3 make g++`, with the packages' file sizes."""
    layer = Layer()
    gcc = "usr/libexec/gcc/x86_64-alpine-linux-musl/13.2.1"
    lib = "usr/lib/gcc/x86_64-alpine-linux-musl/13.2.1"
    so = "so:libc.musl-x86_64.so.1"

    def f(path, size, mode=0o755):
        return (path, pattern(path, size), mode)

    pk = [
        ("gmp", "6.3.0-r1", [so], ["so:libgmp.so.10=10.5.0"], [f("usr/lib/libgmp.so.10.5.0", 489312)]),
        ("mpfr4", "4.2.1-r0", [so, "so:libgmp.so.10"], ["so:libmpfr.so.6=6.2.1"], [f("usr/lib/libmpfr.so.6.2.1", 530000)]),
        ("mpc1", "1.3.1-r1", [so, "so:libgmp.so.10", "so:libmpfr.so.6"], ["so:libmpc.so.3=3.3.1"], [f("usr/lib/libmpc.so.3.3.1", 112000)]),
        ("isl26", "0.26-r1", [so, "so:libgmp.so.10"], ["so:libisl.so.23=23.3.0"], [f("usr/lib/libisl.so.23.3.0", 2100000)]),
        ("zstd-libs", "1.5.6-r0", [so], ["so:libzstd.so.1=1.5.6"], [f("usr/lib/libzstd.so.1.5.6", 710000)]),
        ("jansson", "2.14-r4", [so], ["so:libjansson.so.4=4.14.0"], [f("usr/lib/libjansson.so.4.14.0", 58000)]),
        ("libatomic", "13.2.1_git20240309-r0", [so], ["so:libatomic.so.1=1.2.0"], [f("usr/lib/libatomic.so.1.2.0", 25000)]),
        ("libgomp", "13.2.1_git20240309-r0", [so], ["so:libgomp.so.1=1.0.0"], [f("usr/lib/libgomp.so.1.0.0", 280000)]),
        ("binutils", "2.42-r0", [so, "so:libjansson.so.4", "so:libz.so.1", "so:libzstd.so.1"],
         ["cmd:ld=2.42-r0", "cmd:as=2.42-r0"],
         [f("usr/bin/ld.bfd", 1810000), f("usr/bin/as", 1050000), f("usr/bin/objdump", 720000), f("usr/bin/readelf", 640000),
          f("usr/bin/ar", 80000), f("usr/bin/strip", 120000), f("usr/lib/libbfd-2.42.so", 1870000), f("usr/lib/libopcodes-2.42.so", 1600000),
          f("usr/lib/libctf.so.0.0.0", 210000), f("usr/lib/libsframe.so.1.0.0", 30000)]),
        ("gcc", "13.2.1_git20240309-r0",
         ["binutils", "libgomp", "libatomic", "libgcc", so, "so:libgmp.so.10", "so:libisl.so.23", "so:libmpc.so.3", "so:libmpfr.so.6", "so:libz.so.1", "so:libzstd.so.1"],
         ["cmd:gcc=13.2.1_git20240309-r0", "cmd:cc=13.2.1_git20240309-r0"],
         [f("usr/bin/gcc", 1240000), f("usr/bin/x86_64-alpine-linux-musl-gcc", 1240000), f("usr/bin/gcov", 720000),
          f(f"{gcc}/cc1", 34900000), f(f"{gcc}/lto1", 32800000), f(f"{gcc}/collect2", 420000), f(f"{gcc}/lto-wrapper", 820000),
          f(f"{gcc}/liblto_plugin.so", 98000), f(f"{lib}/libgcc.a", 3050000, 0o644), f(f"{lib}/libgcc_eh.a", 120000, 0o644),
          f(f"{lib}/crtbegin.o", 3200, 0o644), f(f"{lib}/crtend.o", 1100, 0o644), f(f"{lib}/include/stddef.h", 14000, 0o644),
          f(f"{lib}/plugin/include/tree.h", 260000, 0o644)]),
        ("musl-dev", "1.2.5-r0", ["musl=1.2.5-r0"], ["libc-dev"],
         [f("usr/lib/libc.a", 2560000, 0o644), f("usr/lib/crt1.o", 1800, 0o644), f("usr/include/stdio.h", 5200, 0o644),
          f("usr/include/stdlib.h", 4800, 0o644), f("usr/include/bits/alltypes.h", 11000, 0o644)]),
        ("libstdc++-dev", "13.2.1_git20240309-r0", ["libstdc++=13.2.1_git20240309-r0"], [],
         [f("usr/lib/libstdc++.a", 6100000, 0o644), f("usr/include/c++/13.2.1/bits/stl_algo.h", 210000, 0o644),
          f("usr/include/c++/13.2.1/bits/basic_string.h", 160000, 0o644), f("usr/include/c++/13.2.1/x86_64-alpine-linux-musl/bits/c++config.h", 70000, 0o644),
          f("usr/include/c++/13.2.1/regex", 2100000, 0o644)]),
        ("g++", "13.2.1_git20240309-r0", ["gcc=13.2.1_git20240309-r0", "libstdc++-dev=13.2.1_git20240309-r0", "musl-dev", so,
                                         "so:libgmp.so.10", "so:libisl.so.23", "so:libmpc.so.3", "so:libmpfr.so.6", "so:libz.so.1", "so:libzstd.so.1"],
         ["cmd:g++=13.2.1_git20240309-r0", "cmd:c++=13.2.1_git20240309-r0"],
         [f("usr/bin/g++", 1250000), f("usr/bin/c++", 1250000), f(f"{gcc}/cc1plus", 37600000)]),
        ("make", "4.4.1-r2", [so], ["cmd:make=4.4.1-r2"], [f("usr/bin/make", 250000)]),
        ("libffi", "3.4.6-r0", [so], ["so:libffi.so.8=8.1.4"], [f("usr/lib/libffi.so.8.1.4", 42000)]),
        ("gdbm", "1.24-r0", [so], ["so:libgdbm.so.6=6.0.0"], [f("usr/lib/libgdbm.so.6.0.0", 60000)]),
        ("mpdecimal", "4.0.0-r0", [so], ["so:libmpdec.so.4=4.0.0"], [f("usr/lib/libmpdec.so.4.0.0", 230000)]),
        ("ncurses-terminfo-base", "6.4_p20240420-r1", [], [], [f("etc/terminfo/x/xterm", 3500, 0o644)]),
        ("libncursesw", "6.4_p20240420-r1", ["ncurses-terminfo-base", so], ["so:libncursesw.so.6=6.4"], [f("usr/lib/libncursesw.so.6.4", 420000)]),
        ("libpanelw", "6.4_p20240420-r1", [so, "so:libncursesw.so.6"], ["so:libpanelw.so.6=6.4"], [f("usr/lib/libpanelw.so.6.4", 14000)]),
        ("readline", "8.2.10-r0", [so, "so:libncursesw.so.6"], ["so:libreadline.so.8=8.2"], [f("usr/lib/libreadline.so.8.2", 270000)]),
        ("sqlite-libs", "3.45.3-r1", [so, "so:libz.so.1"], ["so:libsqlite3.so.0=0.8.6"], [f("usr/lib/libsqlite3.so.0.8.6", 1300000)]),
        ("xz-libs", "5.6.2-r0", [so], ["so:liblzma.so.5=5.6.2"], [f("usr/lib/liblzma.so.5.6.2", 180000)]),
        ("libbz2", "1.0.8-r6", [so], ["so:libbz2.so.1=1.0.8"], [f("usr/lib/libbz2.so.1.0.8", 75000)]),
        ("python3", "3.12.7-r0",
         [so, "so:libbz2.so.1", "so:libffi.so.8", "so:libgdbm.so.6", "so:liblzma.so.5", "so:libmpdec.so.4", "so:libncursesw.so.6",
          "so:libpanelw.so.6", "so:libreadline.so.8", "so:libsqlite3.so.0", "so:libz.so.1"],
         ["python3~3.12", "cmd:python3=3.12.7-r0", "cmd:python3.12=3.12.7-r0"],
         [f("usr/bin/python3.12", 14000), f("usr/lib/libpython3.12.so.1.0", 4300000),
          f("usr/lib/python3.12/typing.py", 130000, 0o644), f("usr/lib/python3.12/collections/__init__.py", 52000, 0o644),
          f("usr/lib/python3.12/encodings/__init__.py", 5600, 0o644), f("usr/lib/python3.12/lib-dynload/_ssl.cpython-312-x86_64-linux-musl.so", 180000),
          f("usr/lib/python3.12/pydoc_data/topics.py", 780000, 0o644), f("usr/lib/python3.12/stdlib-bundle.zip", 21000000, 0o644),
          f("usr/lib/python3.12/ensurepip/_bundled/pip-24.0-py3-none-any.whl", 2100000, 0o644)]),
    ]
    for name, version, deps, provides, files in pk:
        links = [("usr/bin/python3", "python3.12")] if name == "python3" else []
        apk.add(layer, name, version, name, deps, provides, files, f"{name} (toolchain)", links=links)
    world += ["python3", "make", "g++"]
    apk.write_db(layer, world)
    return layer


def app_layers(work, libc, dev, single):
    """The app: node_modules as npm installed them for `libc`, and the built app."""
    inst = npm_install(work, "sharp-app", libc, dev=True)
    prod = npm_install(work, "sharp-app", libc, dev=False) if not dev else inst
    deps = Layer()
    deps.copy_tree(os.path.join(prod, "node_modules"), "app/node_modules", uid=0 if single else 1000, gid=0 if single else 1000)
    deps.file("app/package.json", open(os.path.join(FIXTURES, "sharp-app/package.json"), "rb").read())
    deps.file("app/package-lock.json", open(os.path.join(FIXTURES, "sharp-app/package-lock.json"), "rb").read())
    app = Layer()
    dist = os.path.join(inst, "dist")
    for f in sorted(os.listdir(dist)):
        if single or not f.endswith(".map"):
            app.file(f"app/dist/{f}", open(os.path.join(dist, f), "rb").read())
    if single:
        app.copy_tree(os.path.join(FIXTURES, "sharp-app/src"), "app/src")
        app.file("app/tsconfig.json", open(os.path.join(FIXTURES, "sharp-app/tsconfig.json"), "rb").read())
    return deps, app


# A token of npm's shape, made up: the secret the tests look for and must never see printed.
FAKE_NPM_TOKEN = "npm_" + hashlib.sha256(b"weigh fixture token").hexdigest()[:36]


def alpine(name, work):
    apk, world, layers = alpine_base(work)
    cfg = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NODE_VERSION=22.11.0"],
           "Cmd": ["node", "dist/server.js"], "WorkingDir": "/app"}
    if name == "alpine-single":
        layers.append((toolchain(apk, world), "RUN /bin/sh -c apk add --no-cache python3 make g++ # buildkit"))
        deps, app = app_layers(work, "musl", dev=True, single=True)
        layers.append((deps, "RUN /bin/sh -c npm ci # buildkit"))
        layers.append((app, "COPY . . # buildkit"))
    elif name == "alpine-secret":
        # The classic leak: an .npmrc with a token copied in for `npm ci`, deleted in a later
        # layer, and still in the layer that added it.
        deps, app = app_layers(work, "musl", dev=False, single=False)
        deps.file("app/.npmrc", f"//registry.invalid/:_authToken={FAKE_NPM_TOKEN}\n".encode())
        layers.append((deps, "COPY .npmrc package.json package-lock.json ./ && npm ci --omit=dev # buildkit"))
        rm = Layer()
        rm.deletes.append("app/.npmrc")
        layers.append((rm, "RUN /bin/sh -c rm -f .npmrc # buildkit"))
        layers.append((app, "COPY /app/dist ./dist # buildkit"))
        cfg["User"] = "node"
    else:
        libc = "glibc" if name == "alpine-glibc" else "musl"
        deps, app = app_layers(work, libc, dev=False, single=False)
        layers.append((deps, "COPY /app/node_modules ./node_modules # buildkit"))
        layers.append((app, "COPY /app/dist ./dist # buildkit"))
        cfg["User"] = "node"
    return layers, cfg


# ---------------------------------------------------------------- distroless

DISTROLESS_DEBS = ["base-files", "netbase", "tzdata", "ca-certificates", "gcc-12-base", "libc6", "libgcc-s1",
                   "libstdc++6", "libssl3", "zlib1g"]


def debs(work):
    d = os.path.join(work, "debs")
    if not os.path.exists(os.path.join(d, "DONE")):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        run("apt-get", "download", *DISTROLESS_DEBS, cwd=d)
        open(os.path.join(d, "DONE"), "w").close()
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".deb"))


def distroless_base(work):
    """distroless's base layer: Debian packages unpacked, their control files in
    /var/lib/dpkg/status.d, no dpkg, a nonroot user."""
    base = Layer()
    for deb in debs(work):
        name = subprocess.run(["dpkg-deb", "-f", deb, "Package"], check=True, capture_output=True, text=True).stdout.strip()
        x = os.path.join(work, "x", name)
        shutil.rmtree(x, ignore_errors=True)
        os.makedirs(x)
        run("dpkg-deb", "-x", deb, x)
        # distroless keeps the copyright files of /usr/share/doc only.
        for dirpath, dirs, files in os.walk(os.path.join(x, "usr/share/doc")):
            for f in files:
                if f != "copyright":
                    os.remove(os.path.join(dirpath, f))
        base.copy_tree(x, ".")
        control = subprocess.run(["dpkg-deb", "-f", deb], check=True, capture_output=True).stdout
        base.file(f"var/lib/dpkg/status.d/{name}", control)
        md5 = subprocess.run(["dpkg-deb", "--ctrl-tarfile", deb], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(md5)) as t:
            for m in t:
                if m.name.lstrip("./") == "md5sums":
                    base.file(f"var/lib/dpkg/status.d/{name}.md5sums", t.extractfile(m).read())
    # ca-certificates' postinst (update-ca-certificates) makes the bundle; distroless builds
    # it from the package's certificates the same way.
    certs = []
    for dirpath, dirs, files in os.walk(os.path.join(work, "x", "ca-certificates", "usr/share/ca-certificates")):
        certs += [os.path.join(dirpath, f) for f in files if f.endswith(".crt")]
    base.file("etc/ssl/certs/ca-certificates.crt", b"".join(open(c, "rb").read() for c in sorted(certs)))
    # tzdata's postinst (which distroless does not run) makes this link.
    base.link("etc/localtime", "/usr/share/zoneinfo/Etc/UTC")
    base.file("etc/passwd", b"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
    base.file("etc/group", b"root:x:0:\nnonroot:x:65532:\n")
    base.dir("home/nonroot", uid=65532, gid=65532)
    return base


DISTROLESS_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                  "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"]


def distroless_cc(work):
    """As gcr.io/distroless/cc-debian12:nonroot: the C and C++ runtime, CA certificates, time
    zones, nothing else; the base weigh's own image runs on."""
    cfg = {"Env": DISTROLESS_ENV, "User": "65532", "WorkingDir": "/home/nonroot"}
    return [(distroless_base(work), "bazel build //base:cc_nonroot_debian12 (distroless cc)")], cfg


def distroless(work):
    """As gcr.io/distroless/nodejs has it: the base layer, and node in /nodejs."""
    base = distroless_base(work)
    node = Layer()
    path, prefix = host_node()
    node.file("nodejs/bin/node", open(path, "rb").read(), 0o755)
    node.copy_tree(os.path.join(prefix, "lib/node_modules/npm"), "nodejs/lib/node_modules/npm")
    deps, app = app_layers(work, "glibc", dev=False, single=False)
    layers = [
        (base, "bazel build //base:debian12 (distroless: Debian packages and their status.d entries)"),
        (node, "bazel build //nodejs:nodejs22_debian12 (node in /nodejs)"),
        (deps, "COPY /app/node_modules ./node_modules # buildkit"),
        (app, "COPY /app/dist ./dist # buildkit"),
    ]
    cfg = {"Env": DISTROLESS_ENV, "Entrypoint": ["/nodejs/bin/node"], "Cmd": ["dist/server.js"], "WorkingDir": "/app", "User": "65532"}
    return layers, cfg


# ---------------------------------------------------------------- RPM

SPEC = """Name: {name}
Version: {version}
Release: {release}
Summary: {name} for weigh's RPM image
License: MIT
BuildArch: x86_64
{requires}{provides}
%description
{name}, packaged for weigh's tests.
%install
mkdir -p %{{buildroot}}
cp -a {src}/. %{{buildroot}}/
%files
{files}
"""


def rpm_packages(work):
    """RPM packages of this machine's real node, libc and libstdc++, and of a compiler toolchain
    (patterned files), as Fedora lays them out."""
    node, prefix = host_node()
    libdir = "/lib/x86_64-linux-gnu"

    def real(p):
        return open(p, "rb").read()

    pkgs = [
        ("filesystem", "3.18", "6.fc40", [], [], [("etc/fstab", b"", 0o644)]),
        ("setup", "2.14.5", "2.fc40", ["filesystem"], [],
         [("etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n", 0o644), ("etc/group", b"root:x:0:\n", 0o644)]),
        ("glibc", "2.39", "22.fc40", ["filesystem"], ["libc.so.6()(64bit)", "libm.so.6()(64bit)", "rtld(GNU_HASH)"],
         [("usr/lib64/libc.so.6", real(f"{libdir}/libc.so.6"), 0o755), ("usr/lib64/libm.so.6", real(f"{libdir}/libm.so.6"), 0o755),
          ("usr/lib64/ld-linux-x86-64.so.2", real(f"{libdir}/ld-linux-x86-64.so.2"), 0o755)]),
        ("libgcc", "14.2.1", "1.fc40", ["glibc"], ["libgcc_s.so.1()(64bit)"],
         [("usr/lib64/libgcc_s.so.1", real(f"{libdir}/libgcc_s.so.1"), 0o755)]),
        ("libstdc++", "14.2.1", "1.fc40", ["glibc", "libgcc"], ["libstdc++.so.6()(64bit)"],
         [("usr/lib64/libstdc++.so.6", real(os.path.realpath("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")), 0o755)]),
        ("nodejs", "20.18.1", "1.fc40", ["libstdc++.so.6()(64bit)", "libc.so.6()(64bit)", "libm.so.6()(64bit)"], [],
         [("usr/bin/node", real(node), 0o755)]),
        ("gcc", "14.2.1", "1.fc40", ["glibc", "cpp", "binutils"], [],
         [("usr/bin/gcc", pattern("rpm-gcc", 1100000), 0o755), ("usr/libexec/gcc/x86_64-redhat-linux/14/cc1", pattern("rpm-cc1", 36000000), 0o755)]),
        ("cpp", "14.2.1", "1.fc40", ["glibc"], [], [("usr/bin/cpp", pattern("rpm-cpp", 1100000), 0o755)]),
        ("binutils", "2.41", "37.fc40", ["glibc"], [], [("usr/bin/ld.bfd", pattern("rpm-ld", 1900000), 0o755)]),
        ("make", "4.4.1", "6.fc40", ["glibc"], [], [("usr/bin/make", pattern("rpm-make", 260000), 0o755)]),
        ("glibc-devel", "2.39", "22.fc40", ["glibc"], [], [("usr/include/stdio.h", pattern("rpm-stdio.h", 31000), 0o644)]),
    ]
    out = os.path.join(work, "rpms")
    if os.path.exists(os.path.join(out, "DONE")):
        return out, [p[0] for p in pkgs]
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    top = os.path.join(work, "rpmbuild")
    shutil.rmtree(top, ignore_errors=True)
    for name, version, release, requires, provides, files in pkgs:
        src = os.path.join(work, "rpmsrc", name)
        shutil.rmtree(src, ignore_errors=True)
        for path, data, mode in files:
            p = os.path.join(src, path)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
            os.chmod(p, mode)
        spec = SPEC.format(
            name=name, version=version, release=release, src=src,
            requires="".join(f"Requires: {r}\n" for r in requires),
            provides="".join(f"Provides: {p}\n" for p in provides),
            files="\n".join("/" + p for p, _, _ in files))
        sp = os.path.join(work, f"{name}.spec")
        with open(sp, "w") as f:
            f.write(spec)
        run("rpmbuild", "-bb", "--define", f"_topdir {top}", "--define", "_build_id_links none",
            "--define", "__os_install_post %{nil}", "--define", "debug_package %{nil}",
            "--define", "_rpmdir " + out, "--define", "_build_name_fmt %%{NAME}.rpm",
            "--nodeps", sp, env={"SOURCE_DATE_EPOCH": "1700000000"})
    open(os.path.join(out, "DONE"), "w").close()
    return out, [p[0] for p in pkgs]


def rpm_image(work, out):
    rpms, names = rpm_packages(work)
    root = os.path.join(work, "rpmroot")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    # Debian's rpm keeps root's database in ~/.rpmdb; images have it where dnf puts it.
    define = ["--define", "_db_backend sqlite", "--dbpath", "/var/lib/rpm"]
    run("rpm", "--root", root, *define, "--initdb")
    run("rpm", "--root", root, *define, "-i", "--nodeps", "--ignorearch", "--noscripts", "--force-debian",
        *[os.path.join(rpms, f"{n}.rpm") for n in names])
    # The independent reading the tests compare with.
    qa = subprocess.run(["rpm", "--root", root, *define, "-qa", "--qf", "%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{SIZE}\\n"],
                        check=True, capture_output=True, text=True).stdout
    os.makedirs(os.path.join(out, "reference"), exist_ok=True)
    with open(os.path.join(out, "reference", "rpm-qa.txt"), "w") as f:
        f.write("".join(sorted(qa.splitlines(True))))
    # rpm leaves its write-ahead log beside the database; a finished dnf transaction has it
    # merged. Merge it the same way (sqlite's own checkpoint) and drop the log files.
    import sqlite3
    db = os.path.join(root, "var/lib/rpm/rpmdb.sqlite")
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for suffix in ["-wal", "-shm"]:
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    base = Layer()
    base.copy_tree(root, ".")
    app = Layer()
    app.file("app/server.js", b"require('http').createServer((q, r) => r.end('ok')).listen(3000);\n")
    app.file("app/package.json", b'{"name":"rpm-app","version":"1.0.0","main":"server.js"}\n')
    layers = [(base, "/bin/sh -c #(nop) ADD file:fedora-40-container-x86_64.tar in / "),
              (app, "COPY server.js package.json /app/ # buildkit")]
    cfg = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
           "Cmd": ["node", "/app/server.js"], "WorkingDir": "/app"}
    return layers, cfg


# ---------------------------------------------------------------- Go


def go_image(work, out):
    src = os.path.join(work, "go-src")
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(os.path.join(FIXTURES, "go-app"), src)
    env = {"CGO_ENABLED": "0", "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOCACHE": os.path.join(work, "go-cache"),
           "GOPATH": os.path.join(work, "go-path")}
    run("go", "build", "-trimpath", "-o", "server", ".", cwd=src, env=env)
    m = subprocess.run(["go", "version", "-m", os.path.join(src, "server")], check=True, capture_output=True, text=True).stdout
    os.makedirs(os.path.join(out, "reference"), exist_ok=True)
    with open(os.path.join(out, "reference", "go-version-m.txt"), "w") as f:
        f.write(m)
    layer = Layer()
    layer.file("app/server", open(os.path.join(src, "server"), "rb").read(), 0o755)
    layer.file("etc/ssl/certs/ca-certificates.crt", open("/etc/ssl/certs/ca-certificates.crt", "rb").read())
    layer.file("etc/passwd", b"nonroot:x:65532:65532::/:/sbin/nologin\n")
    cfg = {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin"], "Entrypoint": ["/app/server"], "User": "65532",
           "WorkingDir": "/app"}
    return [(layer, "COPY /src/server /app/server # buildkit")], cfg


def main():
    name, out, work = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(os.path.join(out, "layers"), exist_ok=True)
    os.makedirs(work, exist_ok=True)
    if name.startswith("alpine-"):
        layers, cfg = alpine(name, work)
    elif name == "distroless-cc":
        layers, cfg = distroless_cc(work)
    elif name == "distroless-node":
        layers, cfg = distroless(work)
    elif name == "rpm-node":
        layers, cfg = rpm_image(work, out)
    elif name == "go-service":
        layers, cfg = go_image(work, out)
    else:
        sys.exit(f"unknown image {name}")
    history, deletes = [], []
    for i, (layer, created_by) in enumerate(layers):
        layer.write(os.path.join(out, "layers", f"{i:02}.tar"))
        history.append(created_by)
        deletes.append(layer.deletes)
    if name == "alpine-secret":
        os.makedirs(os.path.join(out, "reference"), exist_ok=True)
        with open(os.path.join(out, "reference", "secret.txt"), "w") as f:
            f.write(FAKE_NPM_TOKEN + "\n")
    with open(os.path.join(out, "image.json"), "w") as f:
        json.dump({"history": history, "deletes": deletes, "config": cfg}, f, indent=1)


if __name__ == "__main__":
    main()
