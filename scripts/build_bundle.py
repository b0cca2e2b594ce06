"""Build the offline install bundle (``make bundle``): one archive for an air-gapped server.

    python scripts/build_bundle.py [--out dist] [--version V] [--with-debs] [--glibc 2.28] [--no-cache]

Writes ``<out>/nmgdash-offline-<version>-<python tag>-<platform>.tar.gz`` (and ``.sha256`` beside it),
e.g. ``nmgdash-offline-0.1.0-cp311-manylinux_2_34_x86_64.tar.gz``. Inside, one folder of the same name:

    install.sh, run.sh     offline installer and foreground starter (from deploy/)
    BUNDLE-INFO            VERSION, PYTHON_VERSION, PLATFORM, GLIBC_MIN, ARCH, … (KEY=value, read by install.sh)
    SHA256SUMS             SHA-256 of every other file (``sha256sum -c`` format), checked by ``install.sh --check``
    app/                   the project source (``git ls-files`` incl. new untracked files, not ignored ones),
                           plus a database built from data/ with an EMPTY import ledger (data/reform.duckdb ->
                           reform-<ns>-<pid>.duckdb) and the boundaries (data/geo/)
    wheelhouse/            every wheel of requirements.txt (runtime only: no pytest/playwright/ruff/hypothesis)
                           for this CPython and platform: ``pip download --only-binary=:all:``
    debs/                  only with --with-debs: fonts-noto-cjk (and chromium when apt has it) as .deb files
                           from ``apt-get download``; their dependencies are NOT included

The platform in the name is the strictest manylinux tag among the wheels (the target's glibc must be at
least that version); ``--glibc 2.28`` asks pip for wheels that run on glibc 2.28 instead of this machine's.
The wheelhouse is cached in ``$XDG_CACHE_HOME/nmgdash-wheelhouse/<key>/`` (default ``~/.cache``), keyed on
requirements.txt, the Python tag and the platform request, so a second build downloads nothing.
Run it with the project's venv (``make bundle``); it needs ``pip`` and ``packaging`` (both in .venv).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
#: Packages that must never be in the wheelhouse (test and lint tools).
TEST_ONLY = ("pytest", "playwright", "ruff", "hypothesis", "xlwt")
LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
#: Debian packages for --with-debs: (name, required). chromium is added only when apt has it.
DEBS = (("fonts-noto-cjk", True), ("chromium", False))


def log(msg: str) -> None:
    print(f"==> {msg}", flush=True)


def project_version() -> str:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["project"]["version"]


def source_files() -> list[str]:
    """Files of the project as git sees them: tracked plus untracked-but-not-ignored, existing only."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         check=True, capture_output=True).stdout.decode()
    names = sorted({n for n in out.split("\0") if n})
    return [n for n in names if (ROOT / n).is_file() or (ROOT / n).is_symlink()]


# --- wheelhouse ------------------------------------------------------------------------------


def _platform_args(glibc: str | None) -> list[str]:
    """pip download options for a target glibc (every manylinux tag up to it), or [] for this machine."""
    if not glibc:
        return []
    major, minor = (int(x) for x in glibc.split("."))
    arch = sysconfig.get_platform().split("-")[-1]
    tags = [f"manylinux_{major}_{m}_{arch}" for m in range(minor, 4, -1)] if major == 2 else []
    tags += [f"{name}_{arch}" for name, v in LEGACY_MANYLINUX.items() if v <= (major, minor)]
    tag = f"{sys.version_info.major}{sys.version_info.minor}"
    return ["--python-version", tag, "--implementation", "cp", "--abi", f"cp{tag}", "--abi", "abi3", "--abi", "none",
            *[a for t in tags for a in ("--platform", t)]]


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nmgdash-wheelhouse"


def wheelhouse(glibc: str | None, use_cache: bool = True) -> Path:
    """A folder with every wheel of requirements.txt for this CPython (and the glibc asked for).

    Reuses ``cache_root()/<key>`` when it is complete (a ``.complete`` file lists its wheels);
    otherwise downloads with ``pip download --only-binary=:all:`` into a temp folder and renames it
    into place. Keeps the two most recently used keys. Raises CalledProcessError when pip fails.
    """
    req = (ROOT / "requirements.txt").read_bytes()
    key_src = b"\n".join([req, sys.implementation.cache_tag.encode(), sysconfig.get_platform().encode(),
                          (glibc or "native").encode()])
    key = hashlib.sha256(key_src).hexdigest()[:16]
    root = cache_root()
    dest = root / key
    if use_cache and (dest / ".complete").is_file():
        listed = (dest / ".complete").read_text().split()
        if listed and all((dest / n).is_file() for n in listed):
            log(f"wheelhouse from the cache ({dest}, {len(listed)} wheels; nothing downloaded)")
            os.utime(dest)
            return dest
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{key}.tmp-", dir=root))
    log(f"downloading the runtime wheels (pip download -r requirements.txt --only-binary=:all:) into {tmp}")
    try:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
                        "--only-binary=:all:", *_platform_args(glibc), "-r", str(ROOT / "requirements.txt"),
                        "-d", str(tmp)], check=True)
        wheels = sorted(p.name for p in tmp.glob("*.whl"))
        (tmp / ".complete").write_text("\n".join(wheels) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # prune: keep this key and the most recently used other one
    others = sorted((p for p in root.iterdir() if p.is_dir() and p != dest and ".tmp-" not in p.name),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[1:]:
        shutil.rmtree(old, ignore_errors=True)
    return dest


def platform_of(wheels: list[Path]) -> tuple[str, tuple[int, int], str]:
    """(platform tag for the file name, minimum glibc, arch) from the wheels' tags.

    The glibc a wheel needs is the lowest manylinux version among its tags; the bundle needs the
    highest of these over all wheels. Without binary wheels: this machine's platform.
    """
    from packaging.utils import parse_wheel_filename

    need, arch = (0, 0), sysconfig.get_platform().split("-")[-1]
    for w in wheels:
        tags = parse_wheel_filename(w.name)[3]
        versions = []
        for t in tags:
            if t.platform == "any":
                continue
            m = re.fullmatch(r"manylinux_(\d+)_(\d+)_(\w+)", t.platform)
            if m:
                versions.append((int(m[1]), int(m[2])))
                arch = m[3]
                continue
            legacy, _, a = t.platform.partition("_")
            if legacy in LEGACY_MANYLINUX:
                versions.append(LEGACY_MANYLINUX[legacy])
                arch = a
            else:
                raise SystemExit(f"wheel {w.name} is not a manylinux wheel ({t.platform}): cannot tell the target")
        if versions:
            need = max(need, min(versions))
    if need == (0, 0):
        return sysconfig.get_platform().replace("-", "_").replace(".", "_"), need, arch
    return f"manylinux_{need[0]}_{need[1]}_{arch}", need, arch


# --- debs ------------------------------------------------------------------------------------


def download_debs(dest: Path) -> list[Path]:
    """``apt-get download`` fonts-noto-cjk (required) and chromium (if apt has it) into ``dest``.

    Only the packages themselves: their dependencies are not resolved (out of scope; see README).
    """
    dest.mkdir(parents=True, exist_ok=True)
    for name, required in DEBS:
        policy = subprocess.run(["apt-cache", "policy", name], capture_output=True, text=True).stdout
        m = re.search(r"Candidate:\s*(\S+)", policy)
        if not m or m[1] == "(none)":
            if required:
                raise SystemExit(f"--with-debs: apt has no candidate for {name} (run apt-get update first)")
            log(f"apt has no {name}: left out")
            continue
        log(f"apt-get download {name} ({m[1]})")
        subprocess.run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", name], cwd=dest, check=True)
    return sorted(dest.glob("*.deb"))


# --- archive ---------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_database(stage: Path) -> list[Path]:
    """Build the database from the source's data/ with an empty import ledger into ``stage/data``.

    Returns [symlink, build file]. Local imports of this checkout never go into a bundle.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("NMGDASH_")}
    env["NMGDASH_DB"] = str(stage / "data" / "reform.duckdb")
    env["NMGDASH_IMPORTS"] = str(stage / "empty-ledger")
    subprocess.run([sys.executable, "-m", "nmgdash", "rebuild"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    link = stage / "data" / "reform.duckdb"
    return [link, link.parent / os.readlink(link)]


def build(out: Path, version: str, with_debs: bool, glibc: str | None, use_cache: bool) -> Path:
    t0 = time.perf_counter()
    for name in ("install.sh", "run.sh", "nmgdash.service.in"):
        if not (DEPLOY / name).is_file():
            raise SystemExit(f"deploy/{name} is missing")
    wh = wheelhouse(glibc, use_cache)
    wheels = sorted(wh.glob("*.whl"))
    bad = [w.name for w in wheels if re.split(r"-\d", w.name, maxsplit=1)[0].lower() in TEST_ONLY]
    if bad:
        raise SystemExit(f"test-only wheels in the wheelhouse: {bad}")
    plat, need, arch = platform_of(wheels)
    pytag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    name = f"nmgdash-offline-{version}-{pytag}-{plat}"
    files: dict[str, Path] = {}  # arcname (inside the top folder) -> source path
    modes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="nmgdash-bundle-") as tmpd:
        stage = Path(tmpd)
        for rel in source_files():
            if rel.startswith("data/") and rel.endswith(".duckdb"):
                continue
            files[f"app/{rel}"] = ROOT / rel
        log("building the database from data/ (empty import ledger)")
        _link, dbfile = build_database(stage)
        files[f"app/data/{dbfile.name}"] = dbfile
        for w in wheels:
            files[f"wheelhouse/{w.name}"] = w
        if with_debs:
            for d in download_debs(stage / "debs"):
                files[f"debs/{d.name}"] = d
        files["install.sh"] = DEPLOY / "install.sh"
        files["run.sh"] = DEPLOY / "run.sh"
        modes["install.sh"] = modes["run.sh"] = 0o755
        git = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                             text=True).stdout.strip()
        info = (f"NAME=nmgdash\nVERSION={version}\nPYTHON_TAG={pytag}\n"
                f"PYTHON_VERSION={sys.version_info.major}.{sys.version_info.minor}\nPLATFORM={plat}\n"
                f"GLIBC_MIN={need[0]}.{need[1]}\nARCH={arch}\nWHEELS={len(wheels)}\n"
                f"DEBS={sum(1 for a in files if a.startswith('debs/'))}\n"
                f"BUILT_AT={time.strftime('%Y-%m-%dT%H:%M:%S%z')}\nGIT={git or 'unknown'}\n")
        info_path = stage / "BUNDLE-INFO"
        info_path.write_text(info)
        files["BUNDLE-INFO"] = info_path
        files["app/BUNDLE-INFO"] = info_path
        log(f"hashing {len(files)} files (SHA256SUMS)")
        sums = "".join(f"{sha256(src)}  {arc}\n" for arc, src in sorted(files.items()))
        sums_path = stage / "SHA256SUMS"
        sums_path.write_text(sums)
        files["SHA256SUMS"] = sums_path

        out.mkdir(parents=True, exist_ok=True)
        archive = out / f"{name}.tar.gz"
        tmp_archive = out / f".{name}.tar.gz.tmp-{os.getpid()}"
        log(f"writing {archive}")
        try:
            with tarfile.open(tmp_archive, "w:gz", compresslevel=6) as tar:
                top = tarfile.TarInfo(name)
                top.type, top.mode, top.mtime = tarfile.DIRTYPE, 0o755, int(time.time())
                tar.addfile(top)
                for arc, src in sorted(files.items()):
                    ti = tar.gettarinfo(str(src), arcname=f"{name}/{arc}")
                    ti.uid = ti.gid = 0
                    ti.uname = ti.gname = "root"
                    ti.mode = modes.get(arc, 0o755 if os.access(src, os.X_OK) else 0o644)
                    with open(src, "rb") as fh:
                        tar.addfile(ti, fh)
                ti = tarfile.TarInfo(f"{name}/app/data/reform.duckdb")  # the symlink to the build
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, dbfile.name, 0o777
                ti.mtime = int(dbfile.stat().st_mtime)
                tar.addfile(ti)
            os.replace(tmp_archive, archive)
        except BaseException:
            tmp_archive.unlink(missing_ok=True)
            raise
    (out / f"{archive.name}.sha256").write_text(f"{sha256(archive)}  {archive.name}\n")
    size = archive.stat().st_size
    log(f"done in {time.perf_counter() - t0:.1f} s: {archive} ({size / 2**20:.1f} MiB, {len(wheels)} wheels, "
        f"needs CPython {sys.version_info.major}.{sys.version_info.minor} on {arch} with glibc >= {need[0]}.{need[1]})")
    log(f"copy it with {archive.name}.sha256 to the server, then: tar xzf {archive.name} && cd {name} && "
        "./install.sh --check && ./install.sh")
    return archive


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build the offline install bundle (see README 离线部署).")
    p.add_argument("--out", default=str(ROOT / "dist"), help="output folder (default dist/)")
    p.add_argument("--version", default=None, help="version in the name (default: pyproject.toml)")
    p.add_argument("--with-debs", action="store_true", help="add fonts-noto-cjk (and chromium) .deb files")
    p.add_argument("--glibc", default=None, help="target glibc, e.g. 2.28 (default: this machine's wheels)")
    p.add_argument("--no-cache", action="store_true", help="download the wheels again")
    a = p.parse_args(argv)
    version = a.version or project_version()
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z.+_-]*", version):
        p.error(f"bad version {version!r}")
    if a.glibc and not re.fullmatch(r"2\.\d+", a.glibc):
        p.error(f"bad --glibc {a.glibc!r} (e.g. 2.28)")
    build(Path(a.out).resolve(), version, a.with_debs, a.glibc, not a.no_cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
