"""More skins for the sample archive: the same content in materially different markup.

The skins (:data:`mirror.sample.variants.SKINS` names each as a
:class:`~mirror.sample.variants.SiteVariant`; :func:`renderer_class` gives its renderer):

* ``default_tpls`` (:mod:`.deftpls`): eFiction 3.5's stock ``default_tpls/`` templates;
* ``epiphany``, ``ezfiction``, ``sommerbrise`` (:mod:`.epiphany`, :mod:`.ezfiction`,
  :mod:`.sommerbrise`): the skins shipped with eFiction 3.5, from their real ``.tpl`` files
  (a template a skin lacks comes from default_tpls, as eFiction does it);
* ``sidebars`` (:mod:`.sidebars`): Berrygood with side blocks (site info, a featured story, a
  "random" story, the most recent story) before and after the content of every page;
* ``bold-mixed`` (:mod:`.boldmixed`): a skin writing ``<b>Label:</b>`` while eFiction's PHP
  still writes ``<span class='label'>`` lines; icons on the author page;
* ``unlabelled`` (:mod:`.unlabelled`): bare summary, completion as a sentence, `` · ``
  separators, the title in an ``<h3>``, "Story Length: N chapters (M words)";
* ``table`` (:mod:`.table`): metadata in table rows (``<th>`` label, ``<td>`` value) and a
  definition list on the printable view.

Whatever eFiction's PHP writes stays the same in every skin: the link URLs, ``div#story`` on
chapter pages, ``div#pagelinks``, the chapter jump menu (``select[name=chapter]``),
``div.errortext`` on gates, the classification lines (``<span class='label'>Genres: </span>``)
and the challenges line.
"""

from __future__ import annotations

import importlib

from ..render import Renderer

__all__ = ["RENDERERS", "renderer_class"]

# SiteVariant.skin -> "module:class" (imported on first use)
RENDERERS = {
    "default": "mirror.sample.render:Renderer",
    "alt": "mirror.sample.variants:AltRenderer",
    "default_tpls": "mirror.sample.skins.deftpls:DefaultTplsRenderer",
    "epiphany": "mirror.sample.skins.epiphany:EpiphanyRenderer",
    "ezfiction": "mirror.sample.skins.ezfiction:EzfictionRenderer",
    "sommerbrise": "mirror.sample.skins.sommerbrise:SommerbriseRenderer",
    "sidebars": "mirror.sample.skins.sidebars:SidebarsRenderer",
    "bold-mixed": "mirror.sample.skins.boldmixed:BoldMixedRenderer",
    "unlabelled": "mirror.sample.skins.unlabelled:UnlabelledRenderer",
    "table": "mirror.sample.skins.table:TableRenderer",
}


def renderer_class(skin: str) -> type[Renderer]:
    """The renderer of a :attr:`SiteVariant.skin <mirror.sample.variants.SiteVariant.skin>`."""
    try:
        module, name = RENDERERS[skin].split(":")
    except KeyError:
        raise ValueError(f"unknown skin {skin!r} (known: {', '.join(RENDERERS)})") from None
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, Renderer)
    return cls
