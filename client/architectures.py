"""``client.architectures``: the landmark families of image classifiers, and one's
network scaled to your images, ready for ``client.jobs.submit``."""

from __future__ import annotations

from collections.abc import Sequence

from syn0.client.common import given, path
from syn0.client.http import Http
from syn0.client.types import Architecture, Page, Template


class Architectures:
    def __init__(self, http: Http) -> None:
        self._http = http

    def list(self) -> list[Architecture]:
        """lenet5, alexnet, vgg, googlenet and resnet, each with its idea and knobs."""
        reply = self._http.json("GET", "/v1/architectures", repeatable=True)
        return Page[Architecture].model_validate(reply).items

    def get(
        self,
        name: str,
        input_shape: Sequence[int] | str,
        classes: int,
        *,
        width: int | None = None,
        depth: int | None = None,
    ) -> Template:
        """The family's network for images of ``input_shape`` ``(channels, height,
        width)`` (or ``"1,28,28"``) and ``classes`` classes; knobs left out take the
        family's defaults. ``template.network`` and ``template.training`` go to
        ``jobs.submit`` as they are::

            template = syn0.architectures.get("resnet", (3, 32, 32), 10)
            job = syn0.jobs.submit(data.id, template.network, template.training)
        """
        shape = input_shape if isinstance(input_shape, str) else ",".join(map(str, input_shape))
        params = given({"input_shape": shape, "classes": classes, "width": width, "depth": depth})
        reply = self._http.json(
            "GET", path("/v1/architectures", name), repeatable=True, params=params
        )
        return Template.model_validate(reply)
