"""Production RFC connections: the ``pyrfc`` module, imported here and nowhere else.

``pyrfc`` is SAP's PyRFC binding of the NW RFC SDK (archived by SAP and not on PyPI) or a
drop-in of the same API; the optional extra ``erpsync[rfc]`` installs ``pyrfcx``, which
provides the import name ``pyrfc`` and loads the customer's NW RFC SDK at run time. Both open
the connection (log on) in ``Connection(**params)``, with the parameters named as in
``sapnwrfc.ini`` (``ashost``, ``sysnr``, ``client``, ``user``, ``passwd``, ``lang``, ``mshost``,
``sysid``, ``group``, ``saprouter``, ``dest``), and raise ``pyrfc.LogonError`` or
``pyrfc.CommunicationError`` when they cannot. The import is lazy so that nothing else (the
CLI, the tests, the OData transport) needs the SDK.
"""

from __future__ import annotations

import importlib
from typing import Any

from connectors.errors import ConfigError
from connectors.sap.rfc.protocol import RfcConnection
from connectors.sap.rfc.settings import SapRfcSettings

_PARAMETERS = ("ashost", "sysnr", "mshost", "sysid", "group", "saprouter", "dest", "client",
               "lang", "user")


def logon_parameters(settings: SapRfcSettings) -> dict[str, str]:
    """What pyrfc's ``Connection`` is given, password included (never log this)."""
    values: dict[str, Any] = {name: getattr(settings, name) for name in _PARAMETERS}
    params = {name: str(value) for name, value in values.items() if value}
    if settings.password is not None:
        params["passwd"] = settings.password.get_secret_value()
    return params


def open_connection(settings: SapRfcSettings) -> RfcConnection:
    """Log on through pyrfc; its exceptions pass unchanged (``errors.py`` translates them)."""
    try:
        pyrfc = importlib.import_module("pyrfc")
    except ImportError:
        raise ConfigError(
            "ERPSYNC_SAP_RFC_LIBRARY=pyrfc needs the pyrfc module and SAP's NW RFC SDK: "
            "pip install 'erpsync[rfc]' and set SAPNWRFC_HOME to the SDK",
            code="PYRFC_MISSING", system="sap") from None
    except OSError as exc:
        raise ConfigError(f"pyrfc could not load the NW RFC SDK ({type(exc).__name__}); "
                          f"check SAPNWRFC_HOME and the library path", code="NWRFC_SDK_MISSING",
                          system="sap") from None
    config = {"timeout": int(settings.timeout)}
    connection: RfcConnection = pyrfc.Connection(config=config, **logon_parameters(settings))
    return connection
