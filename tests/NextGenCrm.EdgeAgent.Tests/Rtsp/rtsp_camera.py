#!/usr/bin/env python3
"""A test RTSP camera on 127.0.0.1: GStreamer's RTSP server sends one JPEG picture, looped, as
Motion JPEG over RTP (UDP or TCP-interleaved, as the client asks) at /camera.

usage: rtsp_camera.py PICTURE.jpg FPS PORT     (PORT 0 = any free port)
Prints "listening PORT" once clients can connect, then serves until killed.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

picture, fps, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
location = picture.replace("\\", "\\\\").replace('"', '\\"')
factory.set_launch(
    f'( filesrc location="{location}" ! jpegdec ! imagefreeze is-live=true '
    f"! video/x-raw,framerate={fps}/1 ! jpegenc ! rtpjpegpay name=pay0 pt=26 )"
)
# One pipeline for every client, as a camera has.
factory.set_shared(True)
server.get_mount_points().add_factory("/camera", factory)
if server.attach(None) == 0:
    sys.exit(f"rtsp_camera: cannot listen on 127.0.0.1:{port}")
print(f"listening {server.get_bound_port()}", flush=True)
GLib.MainLoop().run()
