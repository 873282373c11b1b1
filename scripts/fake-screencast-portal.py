#!/usr/bin/python3
"""A stand-in for a desktop's ScreenCast portal backend, for tests.

xdg-desktop-portal (the real one, started next to this) hands the ScreenCast calls of
programs to a backend: the compositor's (GNOME's, KDE's, wlroots'). This one implements the
backend interface (org.freedesktop.impl.portal.ScreenCast) on the session bus and casts an
existing PipeWire node: the node named NODE_NAME (e.g. a GStreamer test pattern made by
`pipewire-stack.sh camera`), announced at WIDTHxHEIGHT, the user's choice granted at once.

What the wlroots backend cannot do, and the reason this exists: it ends a session the way a
desktop does when the user clicks "stop sharing". On SIGUSR1 every open session emits the
backend's Session::Closed signal and goes away; xdg-desktop-portal then closes its own
session and emits org.freedesktop.portal.Session::Closed to the program, as with GNOME's or
KDE's "stop sharing". xdg-desktop-portal-wlr never emits Closed.

Usage: fake-screencast-portal.py NODE_NAME WIDTH HEIGHT READY_FILE
(READY_FILE is written once the bus name is owned.) Needs python3-dbus and python3-gi.
"""
import json
import signal
import subprocess
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

BUS_NAME = "org.freedesktop.impl.portal.desktop.mediacapturetest"
PATH = "/org/freedesktop/portal/desktop"
SCREEN_CAST = "org.freedesktop.impl.portal.ScreenCast"
SESSION = "org.freedesktop.impl.portal.Session"
PROPERTIES = "org.freedesktop.DBus.Properties"
MONITOR = 1
CURSOR_HIDDEN, CURSOR_EMBEDDED = 1, 2


def node_id(name):
    """The global id of the PipeWire node called `name` (pw-dump lists them)."""
    out = subprocess.run(["pw-dump"], capture_output=True, check=True, text=True).stdout
    for obj in json.loads(out):
        props = (obj.get("info") or {}).get("props") or {}
        if obj.get("type") == "PipeWire:Interface:Node" and props.get("node.name") == name:
            return obj["id"]
    raise LookupError(f"no PipeWire node {name}")


class Session(dbus.service.Object):
    def __init__(self, bus, path, sessions):
        super().__init__(bus, path)
        self.path = path
        self.sessions = sessions
        sessions[path] = self

    def end(self):
        self.sessions.pop(self.path, None)
        self.remove_from_connection()

    @dbus.service.method(SESSION, in_signature="", out_signature="")
    def Close(self):
        self.end()

    @dbus.service.signal(SESSION, signature="")
    def Closed(self):
        pass


class ScreenCast(dbus.service.Object):
    def __init__(self, bus, node, size):
        super().__init__(bus, PATH)
        self.bus = bus
        self.node = node
        self.size = size
        self.sessions = {}

    @dbus.service.method(SCREEN_CAST, in_signature="oosa{sv}", out_signature="ua{sv}")
    def CreateSession(self, handle, session_handle, app_id, options):
        Session(self.bus, session_handle, self.sessions)
        return dbus.UInt32(0), dbus.Dictionary({"session_id": "mediacapture-test"}, signature="sv")

    @dbus.service.method(SCREEN_CAST, in_signature="oosa{sv}", out_signature="ua{sv}")
    def SelectSources(self, handle, session_handle, app_id, options):
        return dbus.UInt32(0), dbus.Dictionary({}, signature="sv")

    @dbus.service.method(SCREEN_CAST, in_signature="oossa{sv}", out_signature="ua{sv}")
    def Start(self, handle, session_handle, app_id, parent_window, options):
        if session_handle not in self.sessions:
            return dbus.UInt32(2), dbus.Dictionary({}, signature="sv")
        stream = dbus.Struct(
            (
                dbus.UInt32(node_id(self.node)),
                dbus.Dictionary(
                    {
                        "size": dbus.Struct(
                            (dbus.Int32(self.size[0]), dbus.Int32(self.size[1])), signature="ii"
                        ),
                        "source_type": dbus.UInt32(MONITOR),
                    },
                    signature="sv",
                ),
            ),
            signature="ua{sv}",
        )
        results = {"streams": dbus.Array([stream], signature="(ua{sv})")}
        return dbus.UInt32(0), dbus.Dictionary(results, signature="sv")

    def props(self):
        return {
            "AvailableSourceTypes": dbus.UInt32(MONITOR),
            "AvailableCursorModes": dbus.UInt32(CURSOR_HIDDEN | CURSOR_EMBEDDED),
            "version": dbus.UInt32(4),
        }

    @dbus.service.method(PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        return self.props()[name]

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return dbus.Dictionary(self.props() if interface == SCREEN_CAST else {}, signature="sv")

    def close_all(self):
        """The user stopped sharing: every session ends, and says so."""
        for session in list(self.sessions.values()):
            session.Closed()
            session.end()
        return GLib.SOURCE_CONTINUE


def main():
    name, width, height, ready = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    cast = ScreenCast(bus, name, (width, height))
    _name = dbus.service.BusName(BUS_NAME, bus, do_not_queue=True)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, cast.close_all)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, lambda: loop.quit())
    with open(ready, "w") as f:
        f.write("ready\n")
    loop.run()


if __name__ == "__main__":
    main()
