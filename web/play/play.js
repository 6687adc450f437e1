// contsim play
