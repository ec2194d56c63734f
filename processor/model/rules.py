"""Field rules: each gives its wire type, what is left to check, and precise rejections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, cast

import msgspec

from processor.types import FieldValue, Reason, Rejection

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_.:-]+$")
# ISO 4217 alphabetic codes in use (XTS and XXX, the testing and no-currency codes, excluded).
ISO_4217_CODES: frozenset[str] = frozenset(
    {
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
        "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
        "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
        "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
        "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS",
        "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW",
        "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD",
        "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN",
        "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR",
        "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL",
        "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY",
        "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES",
        "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR",
        "XOF", "XPD", "XPF", "XPT", "XSU", "XUA", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
    }
)  # fmt: skip
# format_timestamp()'s own shape (ASCII digits only: \d would also take other scripts' digits).
CANONICAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
TIMESTAMP_MIN = datetime(2000, 1, 1, tzinfo=UTC)
TIMESTAMP_MAX = datetime(2100, 1, 1, tzinfo=UTC)
_JSON_NUMBER_START = frozenset(b"-0123456789")


class InvalidFieldError(Exception):
    """Raised by a rule's check; carries the precise rejection (field, rule, value)."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.rejection = Rejection(reason, detail)


_JSON_TYPES = {type(None): "null", bool: "boolean", int: "number", Decimal: "number",
               float: "number", str: "string", list: "array", dict: "object"}  # fmt: skip


def type_name(value: object) -> str:
    """The JSON name of a decoded value's type, for messages."""
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _invalid(detail: str) -> InvalidFieldError:
    return InvalidFieldError(Reason.INVALID_FIELD, detail)


class _CheckedByMsgspec:
    """A rule whose wire type msgspec checks completely while decoding."""

    def after_decode(self, _name: str, value: FieldValue | None) -> FieldValue | None:
        """What is left to check of a decoded value (None: absent); raises if invalid."""
        return value


@dataclass(frozen=True)
class Text:
    """A string of 1..max_length characters, no control characters, optional pattern/choices."""

    max_length: int
    identifier: bool = False
    choices: tuple[str, ...] = ()

    def wire_type(self) -> Any:
        if self.choices:
            return Literal[self.choices]
        # No msgspec pattern: its per-string regex costs several times the whole decode; the
        # characters are checked by `after_decode` instead.
        return Annotated[str, msgspec.Meta(min_length=1, max_length=self.max_length)]

    def after_decode(self, name: str, value: str | None) -> str | None:
        # Printable ASCII has no control character and is blank only when all spaces: most text
        # passes without a regex; `check` decides the rest, and says why.
        if value is None or (
            value.isascii()
            and value.isprintable()
            and (value[0] != " " or value.strip())
            and (not self.identifier or _IDENTIFIER.match(value))
        ):
            return value
        return self.check(name, value)

    def check(self, name: str, value: object) -> str:
        if not isinstance(value, str):
            raise _invalid(f"{name} must be a string, got {type_name(value)}")
        if not value.strip():
            raise _invalid(f"{name} must not be empty")
        if len(value) > self.max_length:
            raise _invalid(
                f"{name} is {len(value)} characters long, the limit is {self.max_length}"
            )
        if _CONTROL.search(value):
            raise _invalid(f"{name} contains control characters")
        if _SURROGATE.search(value):
            raise _invalid(f"{name} is not valid Unicode")
        if self.identifier and not _IDENTIFIER.match(value):
            raise _invalid(f"{name} may only contain letters, digits and _ . : -")
        if self.choices and value not in self.choices:
            raise _invalid(f"{name} {value!r} is not one of: {', '.join(self.choices)}")
        return value


@dataclass(frozen=True)
class Number:
    """A number in [minimum, maximum]; integral_only refuses fractions, places caps decimals.

    On the wire it stays raw JSON text (msgspec.Raw): msgspec's Decimal type would also accept
    strings, and floats would not keep decimals exact.
    """

    minimum: int
    maximum: int
    integral_only: bool = False
    places: int = 6

    def wire_type(self) -> Any:
        if self.integral_only:
            # Whole numbers only: msgspec checks them completely (a 3.0 is left to the careful
            # path, which accepts it as 3).
            return Annotated[int, msgspec.Meta(ge=self.minimum, le=self.maximum)]
        return msgspec.Raw

    def after_decode(self, name: str, raw: Any) -> FieldValue | None:
        """The value of a raw JSON field (None when absent or null), checked like `check`."""
        if self.integral_only:
            return cast("int | None", raw)  # msgspec checked whole numbers completely
        if not raw:
            return None
        text = bytes(raw)
        if text.isdigit():  # the common case: a whole number that is not negative
            whole = int(text)
            return whole if self.minimum <= whole <= self.maximum else self.check(name, whole)
        if text[0] not in _JSON_NUMBER_START:
            return None if text == b"null" else self.check(name, msgspec.json.decode(text))
        value = Decimal(text.decode())
        _, digits, exponent = value.as_tuple()
        if (
            -self.places <= exponent < 0  # type: ignore[operator]
            and digits[-1]
            and self.minimum <= value <= self.maximum
        ):
            return value  # few enough decimals, no trailing zero: as `check` would return it
        return self.check(name, value)

    def check(self, name: str, value: object) -> FieldValue:
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise _invalid(f"{name} must be a number, got {type_name(value)}")
        if isinstance(value, Decimal) and not value.is_finite():
            raise _invalid(f"{name} must be a finite number")
        # Range first: it also keeps huge exponents (1E+999999) away from int().
        if not self.minimum <= value <= self.maximum:
            raise _invalid(f"{name} {value} is out of range [{self.minimum}, {self.maximum}]")
        if isinstance(value, int):
            return value
        if value == value.to_integral_value():
            return int(value)
        if self.integral_only:
            raise _invalid(f"{name} must be a whole number, got {value}")
        too_precise = _invalid(f"{name} {value} has more than {self.places} decimals")
        # adjusted() first: 1E-999999999 must not be expanded into a billion digits.
        if value.adjusted() < -self.places:
            raise too_precise
        whole, _, fraction = format(value, "f").partition(".")
        fraction = fraction.rstrip("0")
        if len(fraction) > self.places:
            raise too_precise
        # Plain notation: an exponent such as 1E-3 would leak into stored items.
        return Decimal(f"{whole}.{fraction}")


@dataclass(frozen=True)
class Boolean(_CheckedByMsgspec):
    """A JSON true/false."""

    def wire_type(self) -> Any:
        return bool

    def check(self, name: str, value: object) -> FieldValue:
        if not isinstance(value, bool):
            raise _invalid(f"{name} must be true or false, got {type_name(value)}")
        return value


@dataclass(frozen=True)
class Currency(_CheckedByMsgspec):
    """An ISO 4217 alphabetic code in upper case."""

    def wire_type(self) -> Any:
        return Literal[tuple(sorted(ISO_4217_CODES))]

    def check(self, name: str, value: object) -> FieldValue:
        if not isinstance(value, str):
            raise _invalid(f"{name} must be a string, got {type_name(value)}")
        if value not in ISO_4217_CODES:
            hint = " (codes are upper case)" if value.upper() in ISO_4217_CODES else ""
            raise _invalid(f"{name} {value[:16]!r} is not an ISO 4217 code{hint}")
        return value


Rule = Text | Number | Boolean | Currency


def parse_timestamp(name: str, value: object) -> datetime:
    """ISO-8601 date and time with a UTC offset (or Z), between 2000 and 2100, as UTC."""
    if not isinstance(value, str):
        raise _invalid(f"{name} must be a string, got {type_name(value)}")
    text = value.strip()
    try:
        if len(text) > 40 or "T" not in text.upper():
            raise ValueError("no time part")
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _invalid(
            f"{name} {value[:40]!r} is not an ISO-8601 date-time like 2024-01-01T12:00:00Z"
        ) from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _invalid(f"{name} {value!r} has no UTC offset (add Z)")
    parsed = parsed.astimezone(UTC)
    if not TIMESTAMP_MIN <= parsed < TIMESTAMP_MAX:
        raise _invalid(f"{name} {value!r} is not between 2000 and 2100")
    return parsed


def format_timestamp(moment: datetime | float) -> str:
    """ISO-8601 UTC with milliseconds (the results table's sort key format) of a datetime or
    of epoch seconds."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stored_timestamp(sent: object, arrival: float) -> str:
    """The timestamp an event is stored under: as sent when canonical, else normalised;
    `arrival` (epoch seconds) when it has none."""
    if sent is None:
        return format_timestamp(arrival)
    if isinstance(sent, str) and CANONICAL.fullmatch(sent) and "2000" <= sent[:4] <= "2099":
        # Already UTC with milliseconds: a real date and time is all that is left to check
        # (the general path below says why when it is not).
        try:
            datetime.fromisoformat(sent)
        except ValueError:
            pass
        else:
            return sent
    return format_timestamp(parse_timestamp("timestamp", sent))
