from funds.entrypoints.api.corrections import router as corrections_router
from funds.entrypoints.api.money import router as money_router
from funds.entrypoints.api.reads import router as reads_router

routers = [money_router, corrections_router, reads_router]
