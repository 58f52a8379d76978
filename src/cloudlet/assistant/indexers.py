"""placeholder"""
class Indexers:
    def __init__(self, service): self.service = service
    async def start(self): pass
    async def stop(self): pass
