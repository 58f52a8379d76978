"""placeholder"""
class ChatFrontEnd:
    def __init__(self, service): self.service = service
    async def handle(self, request):
        from ..http import json_response
        return json_response({}, 404)
