"""A .zip holding one export (how many tools download a report): its one CSV, TSV, JSON or workbook
read as if it were the file itself; several need `--member`."""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath

from ..config import ReadOptions
from ..errors import Errors, InputError
from .readers import open_table
from .spreadsheets import is_spreadsheet_path, open_workbook
from .table import Table

# What in a zip is not an export: macOS resource forks and folder entries.
_IGNORED = ("__MACOSX/", ".DS_Store")


def is_zip_path(path: str) -> bool:
    """Whether a path names a .zip file by its extension."""
    return path != "-" and path.lower().endswith(".zip")


def open_zip_member(path: str, read: ReadOptions) -> Table:
    """Open the export inside a .zip.

    path (str): The .zip file.
    read (ReadOptions): `member` names the file to read (its path in the zip, or its base name);
        the other options read it as they would a file.
    RETURNS (Table): The member as a table, named "archive.zip!member.csv".
    RAISES (InputError): Not a zip, no export in it, several without `member`, or no such member.
    """
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputError(Errors.E001.format(path=path)) from None
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(Errors.E003.format(path=path, reason=str(e))) from None
    members = [info.filename for info in archive.infolist()
               if not info.is_dir() and not any(part in info.filename for part in _IGNORED)]
    shown = ", ".join(repr(m) for m in members[:20]) + (f" and {len(members) - 20} more" if len(members) > 20 else "")
    if read.member is not None:
        chosen = [m for m in members if m == read.member or PurePosixPath(m).name == read.member]
        if not chosen:
            raise InputError(Errors.E030.format(name=path, member=read.member, members=shown or "(none)"))
        member = chosen[0]
    elif len(members) == 1:
        member = members[0]
    else:
        raise InputError(Errors.E029.format(name=path, n=len(members), members=shown or "(none)"))
    name = f"{path}!{member}"
    if is_spreadsheet_path(member):
        data = archive.read(member)
        return open_workbook(name, sheet=read.sheet, skip_rows=read.skip_rows, data=data)
    return open_table(member, fmt=read.format, encoding=read.encoding, skip_rows=read.skip_rows,
                      binary=archive.open(member), name=name)
