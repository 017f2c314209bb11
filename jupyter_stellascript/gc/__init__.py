"""Garbage collection of what runs leave cached: compile-cache entries and
derived runtime images, by size cap and age, never what is in use.

``stellascript gc`` collects once; a server collects every
``c.StellaScript.gc_interval``.
"""

from .cache import collect_cache
from .images import collect_images
from .manager import GarbageCollector, PeriodicCollection
from .models import Candidate, Evicted, GcLimits, StoreLimits, StoreReport, collect

__all__ = ["Candidate", "Evicted", "GarbageCollector", "GcLimits", "PeriodicCollection", "StoreLimits",
           "StoreReport", "collect", "collect_cache", "collect_images"]
